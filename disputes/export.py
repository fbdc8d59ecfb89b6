"""The cases of a contract as plain data, for `export_case` (and the printable record)."""

from contracts.models import LedgerTransaction
from contracts.outcomes import settlement_of
from disputes.endings import request_ending
from disputes.models import CancellationRequest


def _iso(value):
    return value.isoformat() if value else None


def cases_of(contract):
    return (CancellationRequest.objects.filter(contract=contract)
            .select_related("initiator", "dispute", "dispute__mediator", "dispute__arbitrator")
            .prefetch_related("proposals", "dispute__offers", "dispute__proposals",
                              "dispute__evidence")
            .order_by("created_at", "id"))


def _with_endings(contract, settled) -> list:
    cases = list(cases_of(contract))
    for case in cases:
        case.contract = contract
        case.ending = request_ending(case, settled=settled) if case.is_closed else None
    return cases


def cases_with_endings(contract) -> list:
    """The contract's cases, each with how it ended (`.ending`), for the printable record."""
    return _with_endings(contract, settlement_of(contract))


def case_section(contract) -> dict:
    requests = []
    settled = settlement_of(contract)
    for r in _with_endings(contract, settled):
        item = {
            "id": r.pk, "initiator": r.initiator.username, "initiator_role": r.initiator_role,
            "reason": r.reason, "explanation": r.explanation, "state": r.state,
            "terms": {"amount_to_freelancer_cents": r.amount_to_freelancer_cents, "fault": r.fault},
            "escrow_cents": r.escrow_cents, "timed_out_role": r.timed_out_role or None,
            "created_at": _iso(r.created_at), "closed_at": _iso(r.closed_at),
            "ending": r.ending.as_dict() if r.ending else None,
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
    return {
        "cancellation_requests": requests,
        "settlement": settled.as_dict() if settled else None,
        "ledger": [
            {"id": t.pk, "kind": t.kind, "created_at": _iso(t.created_at), "memo": t.memo,
             "entries": [{"account": str(e.account), "amount_cents": e.amount_cents}
                         for e in t.entries.all()]}
            for t in LedgerTransaction.objects.filter(contract=contract)
            .prefetch_related("entries__account").order_by("created_at", "id")
        ],
    }
