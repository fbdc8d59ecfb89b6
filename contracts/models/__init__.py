"""Contracts, their milestones, the ledger, and the message thread with attachments."""

from .contract import Contract, ContractState
from .ledger import Account, AccountKind, Entry, LedgerHead, LedgerTransaction, TransactionKind
from .messages import Attachment, Message
from .milestone import Milestone, MilestoneState
from .payments import Deposit, Withdrawal
from .settlement import Settlement

__all__ = [
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
    "Milestone",
    "MilestoneState",
    "Settlement",
    "TransactionKind",
    "Withdrawal",
]
