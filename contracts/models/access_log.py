"""The access log: every read of a contract's data by a staff member, who, what and when."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.kernel.db_privileges import KEPT
from marketplace.kernel.models import AppendOnlyModel


class AccessKind(models.TextChoices):
    CASE = "case", _("case view")
    CONTRACT = "contract", _("contract")
    MESSAGES = "messages", _("message list")
    MESSAGE = "message", _("message")
    ATTACHMENTS = "attachments", _("attachment list")
    ATTACHMENT = "attachment", _("attachment")
    RECORD = "record", _("printable record")
    DISPUTE_ROOM = "dispute_room", _("dispute room")


class AccessLogEntry(AppendOnlyModel):
    """One read by a staff member (a case worker, a superuser) of a contract's case, page,
    thread or file. Written by the views that show them, never changed or removed: case
    workers are accountable for what they open, and the parties see who opened their case.
    `object_id` is the case, message or attachment read, where the read was of one."""

    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT,
                                 related_name="access_log")
    what = models.CharField(max_length=16, choices=AccessKind.choices)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "access log entry"
        verbose_name_plural = "access log"
        indexes = [models.Index(fields=["contract", "at"], name="access_log_contract")]

    def __str__(self) -> str:
        return f"{self.reader} read {self.get_what_display()} of #{self.contract_id} at {self.at}"


class StaffReader(models.Model):
    """One staff member's reads of one contract's data: the first, the last and how many,
    kept by the service that writes the log (contracts.services.access_log) in the same
    transaction. The log is the record; this is what the dispute room shows its parties on
    every visit, without counting every entry of a case a mediator opened a thousand times."""

    db_privileges = KEPT

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT,
                                 related_name="+")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    reads = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "reader"],
                                               name="staff_reader_once_per_contract")]

    def __str__(self) -> str:
        return f"{self.reader} read #{self.contract_id} {self.reads} times"
