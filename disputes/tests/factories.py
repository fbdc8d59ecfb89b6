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
