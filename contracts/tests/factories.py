"""Contracts reached through the services (never by setting a state), so the record is real."""

from contracts.models import Contract
from contracts.services.offers import MilestoneInput, offer_accept, offer_create
from marketplace.tests.factories import ClientFactory, FreelancerFactory


def make_offer(client=None, freelancer=None, amounts=(50_000,), title="Build a booking page",
               description="A booking page with a calendar and email confirmations.") -> Contract:
    client = client or ClientFactory()
    freelancer = freelancer or FreelancerFactory()
    return offer_create(
        client=client, freelancer=freelancer, title=title, description=description,
        milestones=[MilestoneInput(title=f"Part {i}", amount_cents=a)
                    for i, a in enumerate(amounts, start=1)],
    )


def make_active_contract(client=None, freelancer=None, amounts=(50_000,), **kwargs) -> Contract:
    contract = make_offer(client=client, freelancer=freelancer, amounts=amounts, **kwargs)
    return offer_accept(actor=contract.freelancer, contract=contract)
