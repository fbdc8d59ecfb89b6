"""Reads of cancellation requests and disputes, scoped to the parties (404 for anyone else)."""

from django.db.models import Prefetch, Q
from django.http import Http404

from contracts.models import Message
from disputes.models import CancellationRequest, CancellationState, Dispute


def _party_filter(user) -> Q:
    return Q(contract__client=user) | Q(contract__freelancer=user)


def cancellation_for_party(user, pk: int) -> CancellationRequest:
    try:
        return (CancellationRequest.objects.filter(_party_filter(user))
                .select_related("contract", "contract__client", "contract__freelancer",
                                "initiator", "turn_user", "proposed_by")
                .get(pk=pk))
    except CancellationRequest.DoesNotExist as exc:
        raise Http404 from exc


def cancellation_page(user, pk: int) -> CancellationRequest:
    request = cancellation_for_party(user, pk)
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(
        [request],
        Prefetch("proposals", queryset=request.proposals.model.objects.select_related("proposed_by")),
        Prefetch("messages", queryset=Message.objects.select_related("author")
                 .prefetch_related("attachments").order_by("created_at", "id")),
    )
    return request


def dispute_for_party(user, pk: int) -> Dispute:
    try:
        return (Dispute.objects.filter(_party_filter(user))
                .select_related("contract", "contract__client", "contract__freelancer",
                                "cancellation_request", "opened_by")
                .get(pk=pk))
    except Dispute.DoesNotExist as exc:
        raise Http404 from exc


def current_case(contract):
    """The contract's latest cancellation request (with its dispute), or None."""
    return (CancellationRequest.objects.filter(contract=contract)
            .select_related("dispute", "turn_user").order_by("-created_at", "-id").first())


def requests_awaiting(user):
    """Live cancellation requests where it is this user's move."""
    return (CancellationRequest.objects.filter(
        turn_user=user, state__in=[CancellationState.OPEN, CancellationState.DENIED])
        .select_related("contract").order_by("deadline_at"))


def requests_waiting_on_others(user):
    return (CancellationRequest.objects.filter(
        _party_filter(user), state__in=[CancellationState.OPEN, CancellationState.DENIED])
        .exclude(turn_user=user).select_related("contract", "turn_user").order_by("deadline_at"))
