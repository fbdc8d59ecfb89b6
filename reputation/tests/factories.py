"""Ended contracts reached through the services, and feedback rows, for reputation tests."""

from datetime import UTC, datetime, timedelta

from contracts.services.lifecycle import contract_complete
from contracts.services.milestones import milestone_approve
from contracts.tests.factories import make_funded_contract, make_offer
from marketplace.tests.factories import ClientFactory
from reputation.models import Feedback

WRITTEN = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def completed_contract(client=None, freelancer=None, cents=10_000):
    contract = make_funded_contract(amounts=(cents,), fund=1, submit=1, client=client,
                                    freelancer=freelancer)
    milestone_approve(actor=contract.client, milestone=contract.milestones.get())
    return contract_complete(actor=contract.client, contract=contract)


def feedback_about(person, count: int, **fields):
    """`count` revealed feedback rows about `person`, the newest first in id order."""
    contract = make_offer(freelancer=person)
    return Feedback.objects.bulk_create(
        Feedback(contract=contract, author=ClientFactory(first_name=f"Author{i}", last_name="X"),
                 receiver=person, author_role="client", rating=1 + i % 5, communication=4,
                 quality_or_clarity=3, professionalism=5, comment=f"Comment {i}",
                 created_at=WRITTEN - timedelta(days=i), revealed_at=WRITTEN, **fields)
        for i in range(count))
