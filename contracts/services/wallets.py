"""Wallets: simulated deposits and withdrawals (no payment gateway), each exactly once.

Each one writes its ledger transaction and its own Deposit or Withdrawal row (amount, the
provider's reference, the one-time key), which `check_ledger` reconciles with the ledger.
"""

import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from contracts.models.ledger import AccountKind, LedgerTransaction, TransactionKind
from contracts.models.payments import Deposit, Withdrawal
from marketplace.kernel.errors import DomainError
from marketplace.kernel.money import format_money
from marketplace.kernel.services.onetime import claim_key

from .ledger import post_transaction, system_account, wallet_of

MAX_MOVEMENT_CENTS = 100_000_000  # $1,000,000 in one go: a typo guard, not a policy


def _check_amount(amount_cents: int) -> None:
    if amount_cents <= 0:
        raise DomainError(_("Enter an amount above zero."))
    if amount_cents > MAX_MOVEMENT_CENTS:
        raise DomainError(_("At most %(max)s can move in one go.")
                          % {"max": format_money(MAX_MOVEMENT_CENTS)})


def _check_holder(actor) -> None:
    if actor is None or actor.role not in ("client", "freelancer"):
        raise DomainError(_("Only clients and freelancers have wallets."))


def simulated_provider_reference(kind: str) -> str:
    """What a payment provider would return for a payment; here, a unique made-up id."""
    return f"sim-{kind}-{uuid.uuid4().hex}"


def wallet_deposit(*, actor, amount_cents: int, idempotency_key: str) -> LedgerTransaction | None:
    """Simulated deposit from outside into the actor's wallet. Returns None for a repeat."""
    _check_holder(actor)
    _check_amount(amount_cents)
    with transaction.atomic():
        if not claim_key(user=actor, key=idempotency_key):
            return None
        txn = post_transaction(
            kind=TransactionKind.DEPOSIT, initiated_by=actor, idempotency_key=idempotency_key,
            memo=f"Deposit by {actor.username}",
            legs=[(system_account(AccountKind.EXTERNAL), -amount_cents),
                  (wallet_of(actor), amount_cents)],
        )
        Deposit.objects.create(user=actor, amount_cents=amount_cents, transaction=txn,
                               idempotency_key=idempotency_key,
                               provider_reference=simulated_provider_reference("deposit"))
        return txn


def wallet_withdraw(*, actor, amount_cents: int, idempotency_key: str) -> LedgerTransaction | None:
    """Simulated payout from the actor's wallet to outside. Returns None for a repeat.
    More than the wallet holds is refused and nothing changes."""
    _check_holder(actor)
    _check_amount(amount_cents)
    with transaction.atomic():
        if not claim_key(user=actor, key=idempotency_key):
            return None
        txn = post_transaction(
            kind=TransactionKind.WITHDRAWAL, initiated_by=actor, idempotency_key=idempotency_key,
            memo=f"Withdrawal by {actor.username}",
            legs=[(wallet_of(actor), -amount_cents),
                  (system_account(AccountKind.EXTERNAL), amount_cents)],
        )
        Withdrawal.objects.create(user=actor, amount_cents=amount_cents, transaction=txn,
                                  idempotency_key=idempotency_key,
                                  provider_reference=simulated_provider_reference("withdrawal"))
        return txn
