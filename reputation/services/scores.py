"""Keeping reputation scores current: after each event that changes them, and in bulk."""

from django.db import transaction
from django.utils import timezone

from contracts.models import Contract
from marketplace.bulk import update_rows
from marketplace.models import Role, User
from reputation.facts import collect, facts_for
from reputation.models import Reputation
from reputation.scoring import compute

FIELDS = ["role", "score", "contracts_ended", "completed", "cancelled", "at_fault_cancellations",
          "timeouts", "disputes_lost", "without_communication", "rating_count", "rating_sum",
          "explanation", "computed_at"]


def _values(user, result, now) -> dict:
    return {"role": user.role, "score": result.score, **result.counts,
            "explanation": result.explanation, "computed_at": now}


def reputation_refresh(*, user) -> Reputation:
    """Recompute one user's score from their ended contracts (indexed queries only)."""
    result = compute(facts_for(user))
    reputation, _created = Reputation.objects.update_or_create(
        user=user, defaults=_values(user, result, timezone.now()))
    return reputation


def recompute_all(*, batch: int = 2000) -> int:
    """Rebuild every client's and freelancer's score from the records; returns how many."""
    now = timezone.now()
    facts = collect(Contract.objects.all())
    users = list(User.objects.filter(role__in=[Role.CLIENT, Role.FREELANCER]).only("pk", "role"))
    existing = set(Reputation.objects.values_list("user_id", flat=True).iterator(10_000))
    to_create, to_update = [], []
    for user in users:
        values = _values(user, compute(facts.get(user.pk, [])), now)
        row = Reputation(user_id=user.pk, **values)
        (to_update if user.pk in existing else to_create).append(row)
    with transaction.atomic():
        if to_update:
            pks = dict(Reputation.objects.values_list("user_id", "pk"))
            for row in to_update:
                row.pk = pks[row.user_id]
            for start in range(0, len(to_update), batch):
                update_rows(Reputation, to_update[start:start + batch], FIELDS)
        Reputation.objects.bulk_create(to_create, batch_size=batch)
    return len(users)


def on_reputation_changed(sender, users, **kwargs) -> None:
    for user in users:
        if user is not None and user.role in (Role.CLIENT, Role.FREELANCER):
            reputation_refresh(user=user)
