"""The contract's own part of an exported record: the contract, milestones and messages
(registered with the kernel's `export_case` sections when the app is ready)."""

from contracts.models import MessageReport
from marketplace.kernel.services.export import export_user


def contract_section(contract) -> dict:
    return {
        "contract": {
            "id": contract.pk, "title": contract.title, "description": contract.description,
            "state": contract.state, "client": export_user(contract.client),
            "freelancer": export_user(contract.freelancer),
            "created_at": contract.created_at.isoformat(),
            "accepted_at": contract.accepted_at.isoformat() if contract.accepted_at else None,
            "ended_at": contract.ended_at.isoformat() if contract.ended_at else None,
            "record_head": {"seq": contract.record_head_seq, "hash": contract.record_head_hash},
        },
        "milestones": [
            {"position": m.position, "title": m.title, "amount_cents": m.amount_cents,
             "due_date": m.due_date.isoformat() if m.due_date else None, "state": m.state}
            for m in contract.milestones.order_by("position")
        ],
        "messages": [
            {"id": m.pk, "author": export_user(m.author), "created_at": m.created_at.isoformat(),
             "body": m.body,
             "attachments": [
                 {"id": a.pk, "name": a.original_name, "content_type": a.content_type,
                  "size": a.size, "sha256": a.sha256, "uploaded_at": a.uploaded_at.isoformat()}
                 for a in m.attachments.all()
             ]}
            for m in contract.messages.select_related("author").prefetch_related("attachments")
        ],
        "message_reports": [
            {"id": r.pk, "message": r.message_id, "reporter": export_user(r.reporter),
             "reason": r.reason, "created_at": r.created_at.isoformat(), "state": r.state,
             "handled_by": export_user(r.handled_by),
             "handled_at": r.handled_at.isoformat() if r.handled_at else None,
             "decision_reason": r.decision_reason or None}
            for r in MessageReport.objects.filter(message__contract=contract)
            .select_related("reporter", "handled_by").order_by("created_at", "id")
        ],
    }
