"""The whole record of a contract as plain data, for `export_case` and archiving.

The kernel holds the event chain and its integrity check; each app adds the sections it
owns (the contract, its milestones and messages; the cases; the settlement and ledger)
through `register_section`, in the order the apps are ready (lower layers first).
"""

from collections.abc import Callable

from marketplace.kernel.models import Event
from marketplace.kernel.services.record import verify_chain

SECTIONS: list[Callable[[object], dict]] = []


def register_section(section: Callable[[object], dict]) -> None:
    """`section(contract)` returns a dict of top-level keys to add (app ready; idempotent)."""
    if section not in SECTIONS:
        SECTIONS.append(section)


def export_user(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "role": user.role}


def case_record(contract) -> dict:
    events = list(Event.objects.filter(contract_id=contract.pk).select_related("actor")
                  .order_by("seq"))
    broken = verify_chain(contract, events)
    record = {"format": "marketplace.case_record/1"}
    for section in SECTIONS:
        record.update(section(contract))
    record["integrity"] = {"intact": broken is None,
                           "first_broken_link": str(broken) if broken else None}
    record["events"] = [
        {**e.hashed_content(), "hash": e.hash,
         "actor_username": e.actor.username if e.actor else "system"}
        for e in events
    ]
    return record
