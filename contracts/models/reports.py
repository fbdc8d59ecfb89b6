"""Reports of abusive messages, and a mediator's decision on each (policy §5.6)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from marketplace.kernel.db_privileges import KEPT
from marketplace.kernel.fsm import refusal


class ReportState(models.TextChoices):
    OPEN = "open", _("Waiting for a mediator")
    WARNED = "warned", _("Sender warned")
    HIDDEN = "hidden", _("Message hidden")
    DISMISSED = "dismissed", _("Dismissed")


@refusal(_("Only mediators handle reported messages, and never on their own contracts."))
def is_report_handler(report, user) -> bool:
    return (user is not None and user.is_staff and user.has_perm("contracts.handle_report")
            and not report.message.contract.is_party(user))


class MessageReport(ConcurrentTransitionMixin, models.Model):
    """A party's report that a message on their contract is abusive.

    States:
    - open: waiting for a mediator.
    - warned: a mediator upheld it and warned the sender (a conduct warning on their profile).
    - hidden: a mediator hid the message from the parties (abuse or personal data); case
      workers still read it in the record.
    - dismissed: a mediator found nothing to act on.
    Every decision carries its reason and is told to the reporter.
    """

    db_privileges = KEPT  # decided, never removed: kernel.db_privileges

    STATE_REFUSALS = {
        ReportState.OPEN: _("This report is waiting for a mediator."),
        ReportState.WARNED: _("A mediator already warned the sender about this message."),
        ReportState.HIDDEN: _("A mediator already hid this message."),
        ReportState.DISMISSED: _("A mediator already dismissed this report."),
    }

    message = models.ForeignKey("contracts.Message", on_delete=models.PROTECT,
                                related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    reason = models.TextField(_("why this message is abusive"))
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    state = FSMField(default=ReportState.OPEN, choices=ReportState.choices, protected=True,
                     db_index=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reported message")
        verbose_name_plural = _("reported messages")
        permissions = [("handle_report", "Can handle reported messages")]
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"],
                                    name="one_report_per_message_and_reporter"),
        ]

    def __str__(self) -> str:
        return f"Report #{self.pk} on message #{self.message_id}"

    @transition(field=state, source=ReportState.OPEN, target=ReportState.WARNED,
                permission=is_report_handler)
    def warn(self, *, by, reason: str):
        self._decide(by, reason)

    @transition(field=state, source=ReportState.OPEN, target=ReportState.HIDDEN,
                permission=is_report_handler)
    def hide(self, *, by, reason: str):
        self._decide(by, reason)

    @transition(field=state, source=ReportState.OPEN, target=ReportState.DISMISSED,
                permission=is_report_handler)
    def dismiss(self, *, by, reason: str):
        self._decide(by, reason)

    def _decide(self, by, reason: str) -> None:
        self.handled_by = by
        self.handled_at = timezone.now()
        self.decision_reason = reason
