"""Money crossing the platform's edge: each deposit and withdrawal has its own row.

The ledger says that money came in or went out; these rows say from whom, how much, under
which payment-provider reference and one-time key. `check_ledger` proves that every movement
of the `external` account has exactly one such row with the same amount and key, so money
written into a wallet from nowhere is named.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from marketplace.kernel.models import AppendOnlyModel


class ExternalMovement(AppendOnlyModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="%(class)ss")
    amount_cents = models.BigIntegerField()
    # The payment provider's id for it (simulated here: there is no gateway yet).
    provider_reference = models.CharField(max_length=64, unique=True)
    idempotency_key = models.CharField(max_length=64)
    transaction = models.OneToOneField("contracts.LedgerTransaction", on_delete=models.PROTECT,
                                       related_name="%(class)s")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0),
                                   name="%(class)s_amount_above_zero"),
            models.UniqueConstraint(fields=["user", "idempotency_key"],
                                    name="%(class)s_key_once_per_user"),
        ]


class Deposit(ExternalMovement):
    """Money paid in from outside into a wallet."""

    class Meta(ExternalMovement.Meta):
        pass

    def __str__(self) -> str:
        return f"deposit {self.provider_reference}"


class Withdrawal(ExternalMovement):
    """Money paid out of a wallet to the outside."""

    class Meta(ExternalMovement.Meta):
        pass

    def __str__(self) -> str:
        return f"withdrawal {self.provider_reference}"
