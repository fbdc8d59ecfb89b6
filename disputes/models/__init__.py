"""Cancellation requests and their terms; disputes and their cases."""

from .cancellation import CancellationProposal, CancellationRequest, CancellationState
from .dispute import Dispute, DisputeKind, DisputeState

__all__ = [
    "CancellationProposal",
    "CancellationRequest",
    "CancellationState",
    "Dispute",
    "DisputeKind",
    "DisputeState",
]
