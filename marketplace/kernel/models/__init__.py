"""Kernel models: accounts, the append-only record, notifications, deadlines, one-time keys."""

from .accounts import EmailFrequency, Role, User
from .append_only import AppendOnlyModel
from .deadlines import WithDeadline
from .notifications import DeadLetter, DeliveryState, MailDelivery, Notification
from .onetime import IdempotencyKey
from .record import Event

__all__ = ["AppendOnlyModel", "DeadLetter", "DeliveryState", "EmailFrequency", "Event",
           "IdempotencyKey", "MailDelivery", "Notification", "Role", "User", "WithDeadline"]
