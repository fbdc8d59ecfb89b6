"""Keeping reputation scores current: after each event that changes them, and in bulk."""

import json

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from contracts.models import Contract
from marketplace.kernel.compiled import CompiledQuery
from marketplace.kernel.models import Role, User
from marketplace.kernel.scoring import Basis, compute
from reputation.facts import collect, collect_warnings, facts_for, warnings_for
from reputation.models import Reputation


def _values(user, result, now) -> dict:
    return {"role": user.role, "score": result.score, **result.counts,
            "explanation": result.explanation, "basis": result.basis.as_dict(),
            "computed_at": now}


def reputation_refresh(*, user) -> Reputation:
    """Recompute one user's score from their ended contracts and conduct warnings (indexed
    queries only)."""
    result = compute(facts_for(user), warnings_for(user))
    reputation, _created = Reputation.objects.update_or_create(
        user=user, defaults=_values(user, result, timezone.now()))
    return reputation


def recompute_all(*, batch: int = 5000) -> int:
    """Rebuild every client's and freelancer's score from the records; returns how many.
    The table is derived data: it is emptied and rewritten in one transaction."""
    now = timezone.now()
    facts = collect(Contract.objects.all())
    warned = collect_warnings()
    users = User.objects.filter(role__in=[Role.CLIENT, Role.FREELANCER]).values_list("pk", "role")
    rows = []
    for user_id, role in users.iterator(10_000):
        result = compute(facts.get(user_id, []), warned.get(user_id, []))
        rows.append(Reputation(user_id=user_id, role=role, score=result.score, **result.counts,
                               explanation=result.explanation, basis=result.basis.as_dict(),
                               computed_at=now))
    with transaction.atomic():
        Reputation.objects.all().delete()
        if connection.vendor == "postgresql":
            _copy_rows(rows)
        else:
            Reputation.objects.bulk_create(rows, batch_size=batch)
    return len(rows)


COLUMNS = ["user_id", "role", "score", "contracts_ended", "completed", "cancelled",
           "at_fault_cancellations", "cancelled_other_fault", "cancelled_no_fault", "timeouts",
           "disputes_lost", "without_communication", "rating_count", "rating_sum",
           "conduct_warnings", "explanation", "basis", "computed_at"]


def _copy_rows(rows) -> None:
    """PostgreSQL's COPY: the fastest way to write thousands of rows at once."""
    table = Reputation._meta.db_table
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row([r.user_id, r.role, r.score, r.contracts_ended, r.completed,
                            r.cancelled, r.at_fault_cancellations, r.cancelled_other_fault,
                            r.cancelled_no_fault, r.timeouts, r.disputes_lost,
                            r.without_communication, r.rating_count, r.rating_sum,
                            r.conduct_warnings, json.dumps(r.explanation), json.dumps(r.basis),
                            r.computed_at])


def _bases_of_pair(first: int, second: int):
    return (Reputation.objects.filter(Q(user_id=first) | Q(user_id=second))
            .values("user_id", "basis"))


# A contract's two parties, read on every page that states a choice's consequences.
BASES_OF_PAIR = CompiledQuery(_bases_of_pair)


def stored_bases(users) -> dict:
    """{user_id: Basis} of these users' stored scores (one query): what the pages below this
    app project a choice's consequences from (registered with the kernel's scoring)."""
    ids = [u.pk for u in users if u is not None]
    if 0 < len(ids) <= 2:
        rows = BASES_OF_PAIR.rows(first=ids[0], second=ids[-1])
        return {row["user_id"]: Basis.from_dict(row["basis"]) for row in rows}
    return {user_id: Basis.from_dict(basis) for user_id, basis in
            Reputation.objects.filter(user_id__in=ids).values_list("user_id", "basis")}


def on_reputation_changed(sender, users, **kwargs) -> None:
    for user in users:
        if user is not None and user.role in (Role.CLIENT, Role.FREELANCER):
            reputation_refresh(user=user)
