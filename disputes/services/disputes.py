"""Disputes (spec section 6): opening one, with the contract frozen into its record."""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from disputes.models import Dispute, DisputeKind
from marketplace import fsm
from marketplace.services.notifications import notify
from marketplace.services.record import record_event


def contract_snapshot(contract) -> dict:
    """Scope, milestones, escrow and the messages so far, as they stand now."""
    milestones = list(contract.milestones.order_by("position"))
    return {
        "title": contract.title,
        "description": contract.description,
        "state": contract.state,
        "milestones": [
            {"position": m.position, "title": m.title, "amount_cents": m.amount_cents,
             "state": m.state, "due_date": m.due_date.isoformat() if m.due_date else None}
            for m in milestones
        ],
        "escrow_cents": sum(m.amount_cents for m in milestones if m.in_escrow),
        "messages": [
            {"id": m.pk, "author_id": m.author_id, "created_at": m.created_at.isoformat(),
             "body": m.body,
             "attachments": [{"name": a.original_name, "sha256": a.sha256}
                             for a in m.attachments.all()]}
            for m in contract.messages.prefetch_related("attachments").order_by("created_at", "id")
        ],
    }


def dispute_open(*, contract, request, actor, reason: str) -> Dispute:
    """Open the dispute a cancellation request escalated into (caller holds the locks).

    Effects: contract → disputed; the dispute starts in direct negotiation for
    NEGOTIATION_DAYS; a snapshot of the contract is frozen into the record (its hash in the
    event); both parties are told.
    """
    kind = DisputeKind.DENIAL if request.denied_at else DisputeKind.CANCELLATION
    snapshot = contract_snapshot(contract)
    dispute = Dispute(contract=contract, cancellation_request=request, kind=kind,
                      opened_by=actor, reason=reason, snapshot=snapshot)
    dispute.start_deadline(now=dispute.created_at,
                           duration=timedelta(days=settings.NEGOTIATION_DAYS))
    dispute.save()
    from_state = contract.state
    fsm.run(contract, "escalate", None)
    fsm.save_transitioned(contract)
    digest = hashlib.sha256(
        json.dumps(snapshot, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    record_event(contract=contract, actor=actor, kind="dispute.opened", subject=dispute,
                 from_state=from_state, to_state=contract.state,
                 text=f"{actor.display_name} opened a dispute ({dispute.get_kind_display()}). "
                      f"Reason: {reason} The contract as it stands was frozen into the record "
                      f"(snapshot SHA-256 {digest}). Direct negotiation runs for "
                      f"{settings.NEGOTIATION_DAYS} days.",
                 data={"dispute_id": dispute.pk, "snapshot_sha256": digest,
                       "snapshot": snapshot})
    for user in contract.parties:
        notify(user=user, contract=contract, url=dispute.get_absolute_url(),
               text=_("A dispute was opened on “%(title)s”. Try to settle it directly within "
                      "%(days)s days; after that a mediator steps in.")
               % {"title": contract.title, "days": settings.NEGOTIATION_DAYS})
    return dispute
