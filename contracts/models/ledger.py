"""The double-entry ledger: accounts, balanced transactions and their append-only entries.

Money moves only as a Transaction whose Entries sum to zero. Accounts are `external` (the
outside world: deposits come from it, withdrawals go to it; the only account allowed below
zero), one wallet per client or freelancer, one escrow per contract, and the platform's fees.
An account's `balance_cents` is a running total kept under the account's row lock; the
entries are the truth, and `check_ledger` proves the two agree.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.ledger_chain import GENESIS_HASH, ChainedTransaction, Leg, account_label
from marketplace.kernel.db_privileges import KEPT
from marketplace.kernel.models import AppendOnlyModel
from marketplace.kernel.money import format_money


class AccountKind(models.TextChoices):
    EXTERNAL = "external", _("Outside world")
    WALLET = "wallet", _("Wallet")
    ESCROW = "escrow", _("Escrow")
    FEES = "fees", _("Platform fees")


class Account(models.Model):
    db_privileges = KEPT  # the app's database role: kernel.db_privileges

    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="wallet",
    )
    contract = models.OneToOneField(
        "contracts.Contract", on_delete=models.PROTECT, null=True, blank=True,
        related_name="escrow",
    )
    balance_cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(kind__in=["external", "fees"]),
                name="account_one_external_one_fees",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="external") | models.Q(balance_cents__gte=0),
                name="account_not_below_zero",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="wallet", user__isnull=False, contract__isnull=True)
                    | models.Q(kind="escrow", user__isnull=True, contract__isnull=False)
                    | models.Q(kind__in=["external", "fees"], user__isnull=True,
                               contract__isnull=True)
                ),
                name="account_owner_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == AccountKind.WALLET:
            return f"wallet of {self.user}"
        if self.kind == AccountKind.ESCROW:
            return f"escrow of contract #{self.contract_id}"
        return self.get_kind_display()

    @property
    def chain_label(self) -> str:
        return account_label(self.kind, self.user_id, self.contract_id)


class TransactionKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    FUNDING = "funding", _("Milestone funded")
    RELEASE = "release", _("Milestone released")
    SETTLEMENT = "settlement", _("Settlement")


class LedgerTransaction(AppendOnlyModel):
    """One balanced movement of money; its entries sum to zero.

    Transactions form one hash chain (`contracts.ledger_chain`): `seq` numbers them 1, 2, 3…
    in the order they were written, `hash` covers the content (entries included) and the
    previous transaction's hash, and `LedgerHead` holds the latest link.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    kind = models.CharField(max_length=16, choices=TransactionKind.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    memo = models.CharField(max_length=300)
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, null=True, blank=True,
        related_name="ledger_transactions",
    )
    milestone = models.ForeignKey(
        "contracts.Milestone", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A deposit's or withdrawal's one-time key, also on its Deposit/Withdrawal row.
    idempotency_key = models.CharField(max_length=64, blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def chained(self, legs) -> ChainedTransaction:
        return ChainedTransaction(
            seq=self.seq, prev_hash=self.prev_hash, hash=self.hash, kind=self.kind,
            created_at=self.created_at, memo=self.memo, contract_id=self.contract_id,
            milestone_id=self.milestone_id, initiated_by_id=self.initiated_by_id,
            idempotency_key=self.idempotency_key, legs=tuple(legs))


class LedgerHead(models.Model):
    """The ledger chain's head: the number and hash of the latest transaction (one row).

    Locked by every posting after the accounts it moves (the last lock taken), so links are
    written one at a time; a removed tail no longer matches it.
    """

    db_privileges = KEPT  # the app's database role: kernel.db_privileges

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"ledger head #{self.seq}"


class Entry(AppendOnlyModel):
    """One leg of a transaction: `amount_cents` is added to the account (negative takes away)."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount_cents = models.BigIntegerField()
    # The account's balance just after this entry, so a statement needs no running sum.
    # Empty for the shared `external` and `fees` accounts, which keep no running balance.
    balance_after_cents = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["transaction_id", "id"]
        verbose_name_plural = "entries"
        indexes = [models.Index(fields=["account", "transaction"], name="entry_statement")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount_cents=0), name="entry_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.account}: {format_money(self.amount_cents)}"

    @property
    def leg(self) -> Leg:
        return Leg(self.account.chain_label, self.amount_cents, self.balance_after_cents)
