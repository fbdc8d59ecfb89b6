"""Contracts, their milestones, the ledger, and the message thread with attachments."""

from .access_log import AccessKind, AccessLogEntry, StaffReader
from .contract import Contract, ContractState
from .ledger import Account, AccountKind, Entry, LedgerHead, LedgerTransaction, TransactionKind
from .messages import Attachment, Message
from .milestone import Milestone, MilestoneState
from .payments import Deposit, Withdrawal
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
    "Deposit",
    "Entry",
    "LedgerHead",
    "LedgerTransaction",
    "Message",
    "MessageReport",
    "Milestone",
    "MilestoneState",
    "ReportState",
    "Settlement",
    "StaffReader",
    "TransactionKind",
    "Withdrawal",
]
