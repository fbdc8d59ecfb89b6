"""Marketplace-wide models: accounts, the append-only record, notifications, deadlines."""

from .accounts import Role, User
from .append_only import AppendOnlyModel
from .deadlines import WithDeadline
from .notifications import Notification
from .record import Event

__all__ = ["AppendOnlyModel", "Event", "Notification", "Role", "User", "WithDeadline"]
