"""A settlement: the one division of a contract's escrow that ends a case."""

from django.db import models
from django.utils import timezone

from marketplace.kernel.models import AppendOnlyModel


class Settlement(AppendOnlyModel):
    """Escrow E divided as `to_freelancer_cents` X (0 ≤ X ≤ E) and `to_client_cents` E − X,
    in one ledger transaction. The platform fee is PLATFORM_FEE_PERCENT of X, rounded half-up
    once and stored here. `fault` is whose fault the ending was (client, freelancer, none)."""

    contract = models.OneToOneField("contracts.Contract", on_delete=models.PROTECT,
                                    related_name="settlement")
    escrow_cents = models.BigIntegerField()
    to_freelancer_cents = models.BigIntegerField()
    to_client_cents = models.BigIntegerField()
    fee_cents = models.BigIntegerField()
    fault = models.CharField(max_length=16)
    # What closed the case: "cancellation:<id>" or "dispute:<id>", and how, in words.
    source = models.CharField(max_length=40)
    how = models.CharField(max_length=200)
    ledger_transaction = models.OneToOneField(
        "contracts.LedgerTransaction", on_delete=models.PROTECT, null=True, blank=True,
        related_name="settlement",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_freelancer_cents__gte=0, to_client_cents__gte=0)
                & models.Q(escrow_cents=models.F("to_freelancer_cents") + models.F("to_client_cents")),
                name="settlement_divides_the_escrow",
            ),
        ]

    def __str__(self) -> str:
        return f"Settlement of contract #{self.contract_id}"

    @property
    def freelancer_net_cents(self) -> int:
        return self.to_freelancer_cents - self.fee_cents
