"""Kernel models: accounts, the append-only record, notifications, deadlines, one-time keys."""

from .accounts import Role, User
from .append_only import AppendOnlyModel
from .deadlines import WithDeadline
from .notifications import Notification
from .onetime import IdempotencyKey
from .record import Event

__all__ = ["AppendOnlyModel", "Event", "IdempotencyKey", "Notification", "Role", "User", "WithDeadline"]
