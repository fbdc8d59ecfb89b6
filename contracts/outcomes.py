"""The outcome of a settlement as it was recorded: one read model for every page, mail,
export and console view that states how a contract's escrow was divided.

Figures come from the settlement row and its ledger transaction, written together in one
database transaction; nothing here is recomputed from the live escrow or from proposed terms.
Upper layers (disputes' case pages, the kernel's export through its sections) read it here.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from contracts.models import AccountKind, Entry, Settlement
from marketplace.kernel.money import format_money

FAULT_WORDS = {"client": _("the client"), "freelancer": _("the freelancer"),
               "none": _("nobody (no fault)")}


@dataclass(frozen=True)
class SettledOutcome:
    """How one settlement divided a contract's escrow (all amounts in cents, never negative)."""

    settlement_id: int
    contract_id: int
    escrow_cents: int
    to_freelancer_cents: int  # the freelancer's share, before the platform fee
    fee_cents: int
    freelancer_net_cents: int  # what reached the freelancer's wallet
    to_client_cents: int  # what went back to the client's wallet
    fault: str
    how: str
    source: str  # "cancellation:<id>" or "dispute:<id>"
    settled_at: datetime
    ledger_transaction_id: int | None
    # False when the ledger transaction does not carry the settlement's figures (tampering or
    # a broken write): pages then say so instead of vouching for either.
    ledger_agrees: bool = True

    @property
    def fault_words(self) -> str:
        return str(FAULT_WORDS.get(self.fault, self.fault))

    def as_dict(self) -> dict:
        return {"escrow_cents": self.escrow_cents, "to_freelancer_cents": self.to_freelancer_cents,
                "fee_cents": self.fee_cents, "freelancer_net_cents": self.freelancer_net_cents,
                "to_client_cents": self.to_client_cents, "fault": self.fault, "how": self.how,
                "source": self.source, "settled_at": self.settled_at.isoformat(),
                "ledger_transaction": self.ledger_transaction_id}


def _ledger_agrees(settlement: Settlement, legs: list[tuple[str, int | None, int]],
                   contract) -> bool:
    """Whether the transaction's legs are exactly the settlement's division."""
    expected = {("escrow", None): -settlement.escrow_cents,
                ("wallet", contract.freelancer_id): settlement.freelancer_net_cents,
                ("wallet", contract.client_id): settlement.to_client_cents,
                ("fees", None): settlement.fee_cents}
    found = {}
    for kind, user_id, amount in legs:
        key = (kind, user_id if kind == AccountKind.WALLET else None)
        found[key] = found.get(key, 0) + amount
    return {k: v for k, v in expected.items() if v} == {k: v for k, v in found.items() if v}


def settled_outcome(settlement: Settlement, contract=None) -> SettledOutcome:
    """The outcome of `settlement`, checked against its ledger transaction (one query)."""
    contract = contract or settlement.contract
    legs = []
    if settlement.ledger_transaction_id is not None:
        legs = list(Entry.objects.filter(transaction_id=settlement.ledger_transaction_id)
                    .values_list("account__kind", "account__user_id", "amount_cents"))
    agrees = (_ledger_agrees(settlement, legs, contract) if settlement.ledger_transaction_id
              else settlement.escrow_cents == 0)
    return SettledOutcome(
        settlement_id=settlement.pk, contract_id=settlement.contract_id,
        escrow_cents=settlement.escrow_cents, to_freelancer_cents=settlement.to_freelancer_cents,
        fee_cents=settlement.fee_cents, freelancer_net_cents=settlement.freelancer_net_cents,
        to_client_cents=settlement.to_client_cents, fault=settlement.fault, how=settlement.how,
        source=settlement.source, settled_at=settlement.created_at,
        ledger_transaction_id=settlement.ledger_transaction_id, ledger_agrees=agrees)


def settlement_of(contract) -> SettledOutcome | None:
    """The contract's settlement outcome, if its escrow was ever divided (two queries)."""
    settlement = Settlement.objects.filter(contract_id=contract.pk).first()
    return None if settlement is None else settled_outcome(settlement, contract)


def describe(outcome: SettledOutcome) -> str:
    """The division in one sentence, for notifications and mails."""
    return gettext_now(
        "%(gross)s to the freelancer (%(net)s after the %(fee)s platform fee), %(back)s back "
        "to the client. Fault: %(fault)s.") % {
        "gross": format_money(outcome.to_freelancer_cents),
        "net": format_money(outcome.freelancer_net_cents),
        "fee": format_money(outcome.fee_cents), "back": format_money(outcome.to_client_cents),
        "fault": outcome.fault_words}
