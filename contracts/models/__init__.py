"""Contracts, their milestones, the ledger, and the message thread with attachments."""

from .access_log import AccessKind, AccessLogEntry
from .contract import Contract, ContractState
from .ledger import Account, AccountKind, Entry, LedgerTransaction, TransactionKind
from .messages import Attachment, Message
from .milestone import Milestone, MilestoneState
from .reports import MessageReport, ReportState
from .settlement import Settlement

__all__ = [
    "AccessKind",
    "AccessLogEntry",
    "Account",
    "AccountKind",
    "Attachment",
    "Contract",
    "ContractState",
    "Entry",
    "LedgerTransaction",
    "Message",
    "MessageReport",
    "Milestone",
    "MilestoneState",
    "ReportState",
    "Settlement",
    "TransactionKind",
]
