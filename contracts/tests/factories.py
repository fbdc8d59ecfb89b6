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


def new_key() -> str:
    import uuid

    return uuid.uuid4().hex


def deposit(user, cents: int):
    from contracts.services.wallets import wallet_deposit

    return wallet_deposit(actor=user, amount_cents=cents, idempotency_key=new_key())


def make_funded_contract(amounts=(50_000,), fund=1, submit=0, wallet_extra=0, **kwargs):
    """An active contract whose first `fund` milestones are funded (the client deposits just
    enough, plus `wallet_extra`), and whose first `submit` of those are submitted."""
    from contracts.services.milestones import milestone_fund, milestone_submit

    contract = make_active_contract(amounts=amounts, **kwargs)
    milestones = list(contract.milestones.order_by("position"))
    deposit(contract.client, sum(m.amount_cents for m in milestones[:fund]) + wallet_extra)
    for m in milestones[:fund]:
        milestone_fund(actor=contract.client, milestone=m)
    for m in milestones[:submit]:
        milestone_submit(actor=contract.freelancer, milestone=m)
    contract.refresh_from_db()
    return contract


def is_record_copy(mail) -> bool:
    """The mail each party gets when a contract ends: its record's final digest to keep."""
    return "Its record ends at event #" in mail.body


def split_record_copies(mails) -> tuple[list, list]:
    """(record copies, every other mail)."""
    return ([m for m in mails if is_record_copy(m)], [m for m in mails if not is_record_copy(m)])
