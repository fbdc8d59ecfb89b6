"""Gathering the facts of ended contracts, per party, with a few aggregate queries.

The same code serves one user (after an event: filtered by the user's indexed contract
columns) and everyone (`recompute_reputation`), so both give identical scores.
"""

from collections import defaultdict

from django.db.models import Q

from contracts.models import Contract, ContractState
from contracts.services.reports import UPHELD
from disputes.models import CancellationRequest, CancellationState, Dispute
from marketplace.kernel.models import Event
from marketplace.kernel.scoring import ContractFacts
from reputation.models import Feedback

ENDED = [ContractState.COMPLETED, ContractState.CANCELLED, ContractState.CLOSED]
CHUNK = 10_000


def collect(contracts) -> dict[int, list[ContractFacts]]:
    """Facts per user id for the given contracts (a queryset, filtered to ended ones here).

    One query per table, each joined to the contracts in the database (a subquery, never a
    long list of ids), streamed in chunks.
    """
    ended = contracts.filter(state__in=ENDED)
    in_ended = ended.values("pk")
    timeouts = defaultdict(lambda: defaultdict(int))
    for contract_id, role in (CancellationRequest.objects
                              .filter(contract__in=in_ended, state=CancellationState.AUTO_ACCEPTED)
                              .exclude(timed_out_role="")
                              .values_list("contract_id", "timed_out_role").iterator(CHUNK)):
        timeouts[contract_id][role] += 1
    initiator = {}
    for contract_id, role in (CancellationRequest.objects.filter(contract__in=in_ended)
                              .exclude(state__in=[CancellationState.WITHDRAWN,
                                                  CancellationState.LAPSED])
                              .order_by("created_at", "pk")
                              .values_list("contract_id", "initiator_role").iterator(CHUNK)):
        initiator[contract_id] = role  # the last live request is the one that ended it
    lost = defaultdict(lambda: defaultdict(int))
    for contract_id, role in (Dispute.objects.filter(contract__in=in_ended).exclude(lost_by="")
                              .values_list("contract_id", "lost_by").iterator(CHUNK)):
        lost[contract_id][role] += 1
    ratings, unexplained = {}, set()
    for contract_id, author_role, rating, explained in (
            Feedback.objects.filter(contract__in=in_ended, revealed_at__isnull=False)
            .values_list("contract_id", "author_role", "rating", "explained_clearly")
            .iterator(CHUNK)):
        receiver_role = "freelancer" if author_role == "client" else "client"
        ratings[(contract_id, receiver_role)] = rating
        if author_role == "freelancer" and explained is False:
            unexplained.add(contract_id)
    facts: dict[int, list[ContractFacts]] = defaultdict(list)
    no_timeouts: dict = {}
    # Ordered by when they ended: the row's place is its rank in every history it is part of.
    rows = ended.order_by("ended_at", "pk").values_list(
        "pk", "state", "client_id", "freelancer_id", "settlement__fault")
    for rank, (pk, state, client_id, freelancer_id, fault) in enumerate(rows.iterator(CHUNK)):
        rank_key = (rank, pk)
        contract_timeouts, contract_lost = timeouts.get(pk, no_timeouts), lost.get(pk, no_timeouts)
        for user_id, role in ((client_id, "client"), (freelancer_id, "freelancer")):
            facts[user_id].append(ContractFacts(
                contract_id=pk, rank_key=rank_key, state=state, role=role,
                fault=fault or "", timeouts=contract_timeouts.get(role, 0),
                disputes_lost=contract_lost.get(role, 0),
                without_communication=(role == "client" and state == ContractState.CANCELLED
                                       and initiator.get(pk) == "client" and pk in unexplained),
                rating=ratings.get((pk, role)),
            ))
    return facts


def facts_for(user) -> list[ContractFacts]:
    contracts = Contract.objects.filter(Q(client=user) | Q(freelancer=user))
    return collect(contracts).get(user.pk, [])


# Conduct warnings: each upheld report of an abusive message counts once against its sender.
# Gathered from the warning events of the record, which every warning writes.
WARNING_EVENT = UPHELD


def collect_warnings(users=None) -> dict[int, list[int]]:
    """{user_id: [the contract id of each conduct warning, oldest first]}."""
    events = Event.objects.filter(kind=WARNING_EVENT)
    if users is not None:
        events = events.filter(data__sender_id__in=[u.pk for u in users])
    warned: dict[int, list[int]] = defaultdict(list)
    for contract_id, data in events.order_by("created_at", "pk").values_list("contract_id",
                                                                             "data"):
        warned[data["sender_id"]].append(contract_id)
    return warned


def warnings_for(user) -> list[int]:
    return collect_warnings([user]).get(user.pk, [])
