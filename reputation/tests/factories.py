"""Ended contracts reached through the services, for reputation tests."""

from contracts.services.lifecycle import contract_complete
from contracts.services.milestones import milestone_approve
from contracts.tests.factories import make_funded_contract


def completed_contract(client=None, freelancer=None, cents=10_000):
    contract = make_funded_contract(amounts=(cents,), fund=1, submit=1, client=client,
                                    freelancer=freelancer)
    milestone_approve(actor=contract.client, milestone=contract.milestones.get())
    return contract_complete(actor=contract.client, contract=contract)
