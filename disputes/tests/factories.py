"""Cancellation requests reached through the services, from a funded contract."""

from contracts.tests.factories import make_funded_contract
from disputes.policy import reasons_for
from disputes.services.cancellations import cancellation_request

EXPLANATION = ("We agreed on a booking page, but the calendar integration turned out to be "
               "impossible with the current provider, so the rest of the work makes no sense.")


def make_request(initiator="client", amounts=(30_000, 20_000), fund=2, submit=1,
                 amount_cents=10_000, fault=None, reason=None, contract=None):
    """An open request on a contract with `fund` funded milestones, `submit` of them submitted."""
    contract = contract or make_funded_contract(amounts=amounts, fund=fund, submit=submit)
    actor = contract.client if initiator == "client" else contract.freelancer
    chosen = next(r for r in reasons_for(initiator) if reason is None or r.code == reason)
    return cancellation_request(
        actor=actor, contract=contract, reason=chosen.code, explanation=EXPLANATION,
        amount_to_freelancer_cents=amount_cents, fault=fault or chosen.default_fault,
    )


def make_dispute(kind="cancellation", amounts=(30_000, 20_000), fund=2, submit=1,
                 request_amount_cents=0):
    """A dispute in negotiation: the freelancer disputes a client's cancellation, or (kind
    "denial") the client's denial of the freelancer's request after both wrote."""
    from disputes.services import cancellations as svc

    if kind == "cancellation":
        request = make_request("client", amounts=amounts, fund=fund, submit=submit,
                               amount_cents=request_amount_cents, fault="freelancer",
                               reason="quality")
        return svc.cancellation_dispute(actor=request.contract.freelancer, request=request,
                                        reason="The work matches the written brief.")
    request = make_request("freelancer", amounts=amounts, fund=fund, submit=submit,
                           amount_cents=request_amount_cents, fault="client", reason="payment")
    svc.cancellation_deny(actor=request.contract.client, request=request, reason="Not finished.")
    svc.cancellation_message(actor=request.contract.freelancer, request=request,
                             body="Stage one was delivered; can we settle that part?")
    svc.cancellation_message(actor=request.contract.client, request=request,
                             body="Not before stage two is done.")
    return svc.cancellation_dispute(actor=request.contract.freelancer, request=request,
                                    reason="Delivered work is unpaid.")


def in_mediation(dispute, mediator=None):
    from disputes.services import disputes as dsvc
    from disputes.services.casework import dispute_assign_mediator

    contract = dispute.contract
    dsvc.dispute_request_mediation(actor=contract.client, dispute=dispute)
    dsvc.dispute_request_mediation(actor=contract.freelancer, dispute=dispute)
    if mediator is not None:
        dispute_assign_mediator(actor=mediator, dispute=dispute)
    dispute.refresh_from_db()
    return dispute
