"""Demo contracts in every offer state, with a conversation and attachments."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from contracts.models import Contract
from contracts.services.messages import message_post
from contracts.services.offers import (
    MilestoneInput,
    offer_accept,
    offer_create,
    offer_decline,
    offer_expire,
    offer_withdraw,
)

# A minimal valid PDF, so the demo thread has a real attachment to download.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _offer(client, freelancer, title, amounts, description=None):
    return offer_create(
        client=client, freelancer=freelancer, title=title,
        description=description or f"{title}. Scope, acceptance criteria and hand-over as agreed "
                                   "in our call; questions go on this thread.",
        milestones=[MilestoneInput(title=f"Milestone {i}", amount_cents=a,
                                   due_date=(timezone.now() + timedelta(days=14 * i)).date())
                    for i, a in enumerate(amounts, start=1)],
    )


def seed(people) -> dict[str, Contract]:
    alice, carol, frank = people["alice"], people["carol"], people["frank"]
    bob, dave, erin = people["bob"], people["dave"], people["erin"]
    out = {}
    out["offered"] = _offer(alice, bob, "Booking API for a yoga studio", [120_000, 80_000])
    out["offer_to_dave"] = _offer(carol, dave, "Accessible landing page", [45_000])

    active = _offer(alice, bob, "Inventory dashboard in Django", [150_000, 150_000, 100_000])
    offer_accept(actor=bob, contract=active)
    message_post(actor=alice, contract=active,
                 body="Welcome aboard! The spec and the wireframes are attached.",
                 files=[ContentFile(DEMO_PDF, name="wireframes.pdf"),
                        ContentFile(b"Must-haves:\n- CSV import\n- low-stock alerts\n",
                                    name="requirements.txt")])
    message_post(actor=bob, contract=active, body="Thanks, Alice. I'll start with the data model.")
    out["active"] = active

    declined = _offer(frank, erin, "API reference rewrite", [60_000])
    offer_decline(actor=erin, contract=declined, reason="I am fully booked until next quarter.")
    out["declined"] = declined

    withdrawn = _offer(carol, bob, "Data migration script", [30_000])
    offer_withdraw(actor=carol, contract=withdrawn)
    out["withdrawn"] = withdrawn

    expired = _offer(frank, dave, "Logo refresh", [25_000])
    # Demo only: age the offer past its deadline, then let the system expire it.
    Contract.objects.filter(pk=expired.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    expired.refresh_from_db()
    offer_expire(contract=expired)
    out["expired"] = expired
    return out
