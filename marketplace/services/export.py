"""The whole record of a contract as plain data, for `export_case` and archiving."""

from contracts.models import Contract
from marketplace.models import Event
from marketplace.services.record import verify_chain

# Apps add sections (ledger, cancellation requests, disputes) as they are built.
SECTIONS: list = []


def _user(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "role": user.role}


def case_record(contract: Contract) -> dict:
    events = list(Event.objects.filter(contract=contract).select_related("actor").order_by("seq"))
    broken = verify_chain(contract, events)
    record = {
        "format": "marketplace.case_record/1",
        "contract": {
            "id": contract.pk, "title": contract.title, "description": contract.description,
            "state": contract.state, "client": _user(contract.client),
            "freelancer": _user(contract.freelancer), "created_at": contract.created_at.isoformat(),
            "accepted_at": contract.accepted_at.isoformat() if contract.accepted_at else None,
            "ended_at": contract.ended_at.isoformat() if contract.ended_at else None,
            "record_head": {"seq": contract.record_head_seq, "hash": contract.record_head_hash},
        },
        "integrity": {"intact": broken is None, "first_broken_link": str(broken) if broken else None},
        "milestones": [
            {"position": m.position, "title": m.title, "amount_cents": m.amount_cents,
             "due_date": m.due_date.isoformat() if m.due_date else None, "state": m.state}
            for m in contract.milestones.order_by("position")
        ],
        "messages": [
            {"id": m.pk, "author": _user(m.author), "created_at": m.created_at.isoformat(),
             "body": m.body,
             "attachments": [
                 {"id": a.pk, "name": a.original_name, "content_type": a.content_type,
                  "size": a.size, "sha256": a.sha256, "uploaded_at": a.uploaded_at.isoformat()}
                 for a in m.attachments.all()
             ]}
            for m in contract.messages.select_related("author").prefetch_related("attachments")
        ],
        "events": [
            {**e.hashed_content(), "hash": e.hash, "actor_username": e.actor.username if e.actor else "system"}
            for e in events
        ],
    }
    for section in SECTIONS:
        record.update(section(contract))
    return record
