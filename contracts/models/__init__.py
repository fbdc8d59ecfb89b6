"""Contracts, their milestones, and their message thread with attachments."""

from .contract import Contract, ContractState
from .messages import Attachment, Message
from .milestone import Milestone, MilestoneState

__all__ = [
    "Attachment",
    "Contract",
    "ContractState",
    "Message",
    "Milestone",
    "MilestoneState",
]
