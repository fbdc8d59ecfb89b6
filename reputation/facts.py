"""Gathering the facts of ended contracts, per party, with a few aggregate queries.

The same code serves one user (after an event: filtered by the user's indexed contract
columns) and everyone (`recompute_reputation`), so both give identical scores.
"""

from collections import defaultdict

from django.db.models import Q

from contracts.models import Contract, ContractState
from disputes.models import CancellationRequest, CancellationState, Dispute
from reputation.models import Feedback
from reputation.scoring import ContractFacts

ENDED = [ContractState.COMPLETED, ContractState.CANCELLED, ContractState.CLOSED]
CHUNK = 2000


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def collect(contracts) -> dict[int, list[ContractFacts]]:
    """Facts per user id for the given contracts (a queryset, filtered to ended ones here)."""
    rows = list(contracts.filter(state__in=ENDED).values_list(
        "pk", "title", "ended_at", "state", "client_id", "freelancer_id", "settlement__fault"))
    ids = [row[0] for row in rows]
    timeouts = defaultdict(lambda: defaultdict(int))
    lost = defaultdict(lambda: defaultdict(int))
    initiator = {}
    ratings, unexplained = {}, set()
    for chunk in _chunks(ids):
        for contract_id, role, state in (CancellationRequest.objects.filter(contract_id__in=chunk)
                                         .order_by("created_at", "pk")
                                         .values_list("contract_id", "timed_out_role", "state")):
            if state == CancellationState.AUTO_ACCEPTED and role:
                timeouts[contract_id][role] += 1
        for contract_id, role in (CancellationRequest.objects.filter(contract_id__in=chunk)
                                  .exclude(state__in=[CancellationState.WITHDRAWN,
                                                      CancellationState.LAPSED])
                                  .order_by("created_at", "pk")
                                  .values_list("contract_id", "initiator_role")):
            initiator[contract_id] = role  # the last live request is the one that ended it
        for contract_id, role in (Dispute.objects.filter(contract_id__in=chunk)
                                  .exclude(lost_by="").values_list("contract_id", "lost_by")):
            lost[contract_id][role] += 1
        for contract_id, author_role, rating, explained in (
                Feedback.objects.filter(contract_id__in=chunk, revealed_at__isnull=False)
                .values_list("contract_id", "author_role", "rating", "explained_clearly")):
            receiver_role = "freelancer" if author_role == "client" else "client"
            ratings[(contract_id, receiver_role)] = rating
            if author_role == "freelancer" and explained is False:
                unexplained.add(contract_id)
    facts: dict[int, list[ContractFacts]] = defaultdict(list)
    for pk, title, ended_at, state, client_id, freelancer_id, fault in rows:
        for user_id, role in ((client_id, "client"), (freelancer_id, "freelancer")):
            facts[user_id].append(ContractFacts(
                contract_id=pk, title=title, rank_key=(ended_at.timestamp() if ended_at else 0, pk),
                state=state, role=role, fault=fault or "",
                timeouts=timeouts[pk][role], disputes_lost=lost[pk][role],
                without_communication=(role == "client" and state == ContractState.CANCELLED
                                       and initiator.get(pk) == "client" and pk in unexplained),
                rating=ratings.get((pk, role)),
            ))
    return facts


def facts_for(user) -> list[ContractFacts]:
    contracts = Contract.objects.filter(Q(client=user) | Q(freelancer=user))
    return collect(contracts).get(user.pk, [])
