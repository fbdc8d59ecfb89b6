"""The access log: every read of a contract's data by a staff member, who, what and when."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
