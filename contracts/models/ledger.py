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

from marketplace.kernel.models import AppendOnlyModel
from marketplace.kernel.money import format_money


class AccountKind(models.TextChoices):
    EXTERNAL = "external", _("Outside world")
    WALLET = "wallet", _("Wallet")
    ESCROW = "escrow", _("Escrow")
    FEES = "fees", _("Platform fees")


class Account(models.Model):
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


class TransactionKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    FUNDING = "funding", _("Milestone funded")
    RELEASE = "release", _("Milestone released")
    SETTLEMENT = "settlement", _("Settlement")


class LedgerTransaction(AppendOnlyModel):
    """One balanced movement of money; its entries sum to zero."""

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

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


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
