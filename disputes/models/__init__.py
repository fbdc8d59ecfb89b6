"""Cancellation requests and their terms; disputes, their offers, proposals and decisions."""

from .cancellation import CancellationProposal, CancellationRequest, CancellationState
from .dispute import (
    Dispute,
    DisputeKind,
    DisputeState,
    OfferState,
    Outcome,
    Proposal,
    ProposalKind,
    SettlementOffer,
)

__all__ = [
    "CancellationProposal",
    "CancellationRequest",
    "CancellationState",
    "Dispute",
    "DisputeKind",
    "DisputeState",
    "OfferState",
    "Outcome",
    "Proposal",
    "ProposalKind",
    "SettlementOffer",
]
