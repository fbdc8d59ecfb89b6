"""A contract's message thread and the files attached to it; neither can change once written."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.kernel.models import AppendOnlyModel


class Message(AppendOnlyModel):
    """One message on the contract's single thread. Never edited, never deleted."""

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(default=timezone.now)
    # Messages about a case are tagged with it (they stay on the contract's one thread).
    cancellation = models.ForeignKey("disputes.CancellationRequest", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="messages")
    dispute = models.ForeignKey("disputes.Dispute", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="messages")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["contract", "created_at"], name="message_thread")]

    def __str__(self) -> str:
        return f"{self.author} on #{self.contract_id}: {self.body[:40]}"


def attachment_path(instance, filename: str) -> str:
    """A server-generated name: nothing of the uploader's file name reaches the disk."""
    extension = {
        "application/pdf": ".pdf",
        "image/png": ".png",
        "image/jpeg": ".jpg",
        "text/plain": ".txt",
    }.get(instance.content_type, "")
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}{extension}"


class Attachment(AppendOnlyModel):
    """A validated file (PDF, PNG, JPEG or plain text), kept with its SHA-256 and upload time.

    Served only through a permission-checked view, never from a public URL.
    """

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="attachments"
    )
    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    # Evidence in a dispute is an attachment linked to the dispute.
    dispute = models.ForeignKey("disputes.Dispute", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="evidence")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
