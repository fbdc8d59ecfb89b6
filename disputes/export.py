"""The cases of a contract as plain data, for `export_case` (and the printable record)."""

from contracts.models import LedgerTransaction, Settlement
from disputes.models import CancellationRequest


def _iso(value):
    return value.isoformat() if value else None


def cases_of(contract):
    return (CancellationRequest.objects.filter(contract=contract)
            .select_related("initiator", "dispute", "dispute__mediator", "dispute__arbitrator")
            .prefetch_related("proposals", "dispute__offers", "dispute__proposals",
                              "dispute__evidence")
            .order_by("created_at", "id"))


def case_section(contract) -> dict:
    requests = []
    for r in cases_of(contract):
        item = {
            "id": r.pk, "initiator": r.initiator.username, "initiator_role": r.initiator_role,
            "reason": r.reason, "explanation": r.explanation, "state": r.state,
            "terms": {"amount_to_freelancer_cents": r.amount_to_freelancer_cents, "fault": r.fault},
            "escrow_cents": r.escrow_cents, "timed_out_role": r.timed_out_role or None,
            "created_at": _iso(r.created_at), "closed_at": _iso(r.closed_at),
            "proposals": [{"by": p.proposed_by_id, "amount_to_freelancer_cents":
                           p.amount_to_freelancer_cents, "fault": p.fault, "message": p.message,
                           "created_at": _iso(p.created_at)} for p in r.proposals.all()],
            "dispute": None,
        }
        dispute = getattr(r, "dispute", None)
        if dispute is not None:
            item["dispute"] = {
                "id": dispute.pk, "kind": dispute.kind, "state": dispute.state,
                "mediator": dispute.mediator.username if dispute.mediator else None,
                "arbitrator": dispute.arbitrator.username if dispute.arbitrator else None,
                "outcome": dispute.outcome or None, "fault": dispute.outcome_fault or None,
                "lost_by": dispute.lost_by or None, "closed_stage": dispute.closed_stage or None,
                "created_at": _iso(dispute.created_at), "closed_at": _iso(dispute.closed_at),
                "snapshot": dispute.snapshot,
                "offers": [{"by": o.made_by_id, "outcome": o.outcome, "state": o.state,
                            "amount_to_freelancer_cents": o.amount_to_freelancer_cents,
                            "fault": o.fault, "message": o.message} for o in dispute.offers.all()],
                "proposals_and_decisions": [
                    {"kind": p.kind, "round": p.round, "author": p.author_id, "outcome": p.outcome,
                     "amount_to_freelancer_cents": p.amount_to_freelancer_cents, "fault": p.fault,
                     "findings": p.findings, "policy_clause": p.policy_clause,
                     "client_response": p.client_response or None,
                     "freelancer_response": p.freelancer_response or None}
                    for p in dispute.proposals.all()],
                "evidence": [{"id": a.pk, "name": a.original_name, "sha256": a.sha256,
                              "size": a.size, "uploaded_by": a.uploaded_by_id,
                              "uploaded_at": _iso(a.uploaded_at)} for a in dispute.evidence.all()],
            }
        requests.append(item)
    settlement = Settlement.objects.filter(contract=contract).first()
    return {
        "cancellation_requests": requests,
        "settlement": None if settlement is None else {
            "escrow_cents": settlement.escrow_cents,
            "to_freelancer_cents": settlement.to_freelancer_cents,
            "to_client_cents": settlement.to_client_cents, "fee_cents": settlement.fee_cents,
            "fault": settlement.fault, "how": settlement.how, "source": settlement.source,
        },
        "ledger": [
            {"id": t.pk, "kind": t.kind, "created_at": _iso(t.created_at), "memo": t.memo,
             "entries": [{"account": str(e.account), "amount_cents": e.amount_cents}
                         for e in t.entries.all()]}
            for t in LedgerTransaction.objects.filter(contract=contract)
            .prefetch_related("entries__account").order_by("created_at", "id")
        ],
    }
