"""Demo contracts in every offer state, with a conversation and attachments."""

import uuid
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from contracts.models import Contract
from contracts.services.lifecycle import contract_close_dormant, contract_complete
from contracts.services.messages import message_post
from contracts.services.milestones import (
    milestone_approve,
    milestone_fund,
    milestone_request_changes,
    milestone_submit,
)
from contracts.services.offers import (
    MilestoneInput,
    offer_accept,
    offer_create,
    offer_decline,
    offer_expire,
    offer_withdraw,
)
from contracts.services.wallets import wallet_deposit, wallet_withdraw

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

    for client, cents in ((alice, 3_000_000), (carol, 3_000_000), (frank, 3_000_000)):
        wallet_deposit(actor=client, amount_cents=cents, idempotency_key=uuid.uuid4().hex)

    # Money in every milestone state: released, submitted (review clock running), funded,
    # pending; and a completed contract with a voided milestone.
    active = _offer(alice, bob, "Inventory dashboard in Django",
                    [150_000, 150_000, 100_000, 80_000])
    offer_accept(actor=bob, contract=active)
    m1, m2, m3, _m4 = active.milestones.order_by("position")
    for milestone in (m1, m2, m3):
        milestone_fund(actor=alice, milestone=milestone)
    milestone_submit(actor=bob, milestone=m1, note="Data model and CSV import are live on staging.")
    milestone_approve(actor=alice, milestone=m1)
    milestone_submit(actor=bob, milestone=m2, note="Dashboard charts, first cut.")
    milestone_request_changes(actor=alice, milestone=m2, reason="Please add the low-stock filter.")
    milestone_submit(actor=bob, milestone=m2, note="Low-stock filter added.")
    message_post(actor=alice, contract=active,
                 body="Welcome aboard! The spec and the wireframes are attached.",
                 files=[ContentFile(DEMO_PDF, name="wireframes.pdf"),
                        ContentFile(b"Must-haves:\n- CSV import\n- low-stock alerts\n",
                                    name="requirements.txt")])
    message_post(actor=bob, contract=active, body="Thanks, Alice. I'll start with the data model.")
    out["active"] = active

    done = _offer(carol, dave, "Accessibility audit", [90_000, 20_000])
    offer_accept(actor=dave, contract=done)
    first = done.milestones.get(position=1)
    milestone_fund(actor=carol, milestone=first)
    milestone_submit(actor=dave, milestone=first, note="Audit report attached on the thread.")
    milestone_approve(actor=carol, milestone=first)
    contract_complete(actor=carol, contract=done)
    wallet_withdraw(actor=dave, amount_cents=50_000, idempotency_key=uuid.uuid4().hex)
    out["completed"] = done

    quiet = _offer(frank, bob, "Newsletter template", [15_000])
    offer_accept(actor=bob, contract=quiet)
    # Demo only: nobody touched it for three months, so the clock closes it.
    Contract.objects.filter(pk=quiet.pk).update(
        last_activity_at=timezone.now() - timedelta(days=91))
    contract_close_dormant(contract=quiet)
    out["closed"] = quiet

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
