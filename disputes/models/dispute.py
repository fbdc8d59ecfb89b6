"""A dispute: the case after direct answers failed (spec section 6)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

from marketplace.models import WithDeadline


class DisputeState(models.TextChoices):
    NEGOTIATION = "negotiation", _("Direct negotiation")
    MEDIATION = "mediation", _("Mediation")
    PROPOSAL = "proposal", _("Mediator's proposal")
    ARBITRATION = "arbitration", _("Arbitration")
    SETTLED = "settled", _("Settled by agreement")
    RESOLVED = "resolved", _("Resolved by mediation")
    DECIDED = "decided", _("Decided by arbitration")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DisputeKind(models.TextChoices):
    CANCELLATION = "cancellation", _("The freelancer disputes the client's cancellation")
    DENIAL = "denial", _("The freelancer disputes the client's denial")


class Dispute(ConcurrentTransitionMixin, WithDeadline):
    """A case a cancellation request escalated into.

    States:
    - negotiation: the parties exchange settlement offers directly for NEGOTIATION_DAYS.
    - mediation: a mediator works the case (assigned, messages, proposal).
    - proposal: the mediator's proposal awaits both parties for PROPOSAL_RESPONSE_DAYS.
    - arbitration: an arbitrator decides, bindingly.
    - settled / resolved / decided: closed by the parties' agreement, the mediator's accepted
      proposal, or the arbitrator's decision; the outcome has executed.
    - withdrawn: the disputing party gave up.
    """

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT,
                                 related_name="disputes")
    cancellation_request = models.OneToOneField(
        "disputes.CancellationRequest", on_delete=models.PROTECT, related_name="dispute"
    )
    kind = models.CharField(max_length=16, choices=DisputeKind.choices)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    reason = models.TextField(_("reason"))
    state = FSMField(default=DisputeState.NEGOTIATION, choices=DisputeState.choices,
                     protected=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The contract as it stood when the dispute opened: scope, milestones, escrow, messages.
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Dispute #{self.pk} on contract #{self.contract_id}"

    def get_absolute_url(self) -> str:
        return reverse("disputes:dispute", args=[self.pk])
