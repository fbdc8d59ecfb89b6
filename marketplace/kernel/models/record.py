"""The tamper-evident record: one hash-chained, append-only event stream per contract."""

import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .append_only import AppendOnlyModel

GENESIS_HASH = "0" * 64


class Event(AppendOnlyModel):
    """Something that happened on a contract: a state change, a message, a decision, a timeout.

    `seq` numbers a contract's events 1, 2, 3…; `hash` covers this event's content and the
    previous event's hash, so altering any event breaks every later link, and the contract's
    head pointer (`record_head_seq`, `record_head_hash`) exposes a removed tail.
    """

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="events"
    )
    seq = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for an automatic action by the system."),
    )
    kind = models.CharField(max_length=64)
    subject_type = models.CharField(max_length=32, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    text = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["contract_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "seq"], name="event_unique_seq_per_contract")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"

    @property
    def actor_label(self) -> str:
        return self.actor.display_name if self.actor_id else str(_("system"))

    def hashed_content(self) -> dict:
        """Everything the hash covers. Users are named by id so pseudonymising an account
        later leaves every chain verifiable."""
        return {
            "contract": self.contract_id,
            "seq": self.seq,
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "kind": self.kind,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "text": self.text,
            "data": self.data,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        canonical = json.dumps(
            self.hashed_content(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
