"""Offer services: state, milestones, the event written (actor, text, chain) and the mail sent."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conftest import login
from contracts.models import ContractState, Milestone
from contracts.services.offers import (
    MilestoneInput,
    offer_accept,
    offer_create,
    offer_decline,
    offer_expire,
    offer_withdraw,
)
from contracts.tests.factories import make_offer
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Event, Notification
from marketplace.tests.factories import ClientFactory, FreelancerFactory
from marketplace.tests.mail import follow_open_link, open_links

pytestmark = pytest.mark.django_db


def last_event(contract) -> Event:
    return Event.objects.filter(contract=contract).order_by("-seq").first()


def test_offer_create_makes_contract_milestones_event_and_mails_the_freelancer(
    client, client_user, freelancer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        contract = offer_create(
            client=client_user, freelancer=freelancer, title="Shop redesign",
            description="New theme and checkout.",
            milestones=[MilestoneInput("Design", 40_000), MilestoneInput("Build", 60_050)],
        )
    assert contract.state == ContractState.OFFERED
    assert contract.deadline_at == pytest.approx(
        timezone.now() + timedelta(days=14), abs=timedelta(seconds=5)
    )
    milestones = list(Milestone.objects.filter(contract=contract).order_by("position"))
    assert [(m.position, m.title, m.amount_cents, m.state) for m in milestones] == [
        (1, "Design", 40_000, "pending"), (2, "Build", 60_050, "pending"),
    ]
    event = last_event(contract)
    assert (event.seq, event.kind, event.actor, event.to_state) == (1, "offer.made", client_user, "offered")
    assert "$1,000.50" in event.text
    assert event.data["total_cents"] == 100_050
    [notice] = Notification.objects.filter(user=freelancer, contract=contract)
    assert [m.to for m in mailoutbox] == [[freelancer.email]]
    assert "Shop redesign" in mailoutbox[0].subject
    # The mail links through the notice's open URL, which lands on the contract (read).
    [(path, pk)] = open_links(mailoutbox[0].body)
    assert pk == notice.pk
    assert follow_open_link(login(client, freelancer), path) == contract.get_absolute_url()
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_mail_is_not_sent_when_the_transaction_rolls_back(client_user, freelancer, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    from django.db import transaction

    with (django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError),
          transaction.atomic()):
        make_offer(client_user, freelancer)
        raise RuntimeError("boom")
    assert mailoutbox == []
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client": "freelancer"}, "Only clients can make offers."),
        ({"freelancer": "client"}, "Offers can only be made to an active freelancer."),
        ({"milestones": []}, "An offer needs at least one milestone."),
        ({"milestones": [MilestoneInput("x", 0)]}, "Every milestone needs an amount above zero."),
        ({"client": "unverified"}, "Verify your email address before making an offer."),
    ],
)
def test_offer_create_refusals(client_user, freelancer, change, message):
    people = {"client": client_user, "freelancer": freelancer,
              "unverified": ClientFactory(verified=False)}
    kwargs = {"client": client_user, "freelancer": freelancer, "title": "T", "description": "D",
              "milestones": [MilestoneInput("A", 100)]}
    for key, value in change.items():
        kwargs[key] = people.get(value, value) if isinstance(value, str) else value
    with pytest.raises(DomainError, match=message):
        offer_create(**kwargs)
    assert not Event.objects.exists()


def test_accept_activates_records_and_tells_the_client(
    client_user, freelancer, mailoutbox, django_capture_on_commit_callbacks
):
    contract = make_offer(client_user, freelancer)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        offer_accept(actor=freelancer, contract=contract)
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE
    assert contract.accepted_at is not None and contract.deadline_at is None
    event = last_event(contract)
    assert (event.seq, event.kind, event.actor, event.from_state, event.to_state) == (
        2, "offer.accepted", freelancer, "offered", "active")
    assert event.prev_hash == Event.objects.get(contract=contract, seq=1).hash
    assert [m.to for m in mailoutbox] == [[client_user.email]]
    assert "accepted your offer" in mailoutbox[0].subject


def test_decline_keeps_the_reason_in_the_record(client_user, freelancer, mailoutbox,
                                                django_capture_on_commit_callbacks):
    contract = make_offer(client_user, freelancer)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        offer_decline(actor=freelancer, contract=contract, reason="Booked until March.")
    contract.refresh_from_db()
    assert contract.state == ContractState.DECLINED and contract.ended_at is not None
    event = last_event(contract)
    assert event.kind == "offer.declined" and "Booked until March." in event.text
    assert event.data == {"reason": "Booked until March."}
    assert [m.to for m in mailoutbox] == [[client_user.email]]


def test_withdraw_tells_the_freelancer(client_user, freelancer, mailoutbox,
                                       django_capture_on_commit_callbacks):
    contract = make_offer(client_user, freelancer)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        offer_withdraw(actor=client_user, contract=contract)
    contract.refresh_from_db()
    assert contract.state == ContractState.WITHDRAWN
    assert last_event(contract).kind == "offer.withdrawn"
    assert [m.to for m in mailoutbox] == [[freelancer.email]]


def test_expire_only_after_the_deadline_and_as_the_system(client_user, freelancer, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    contract = make_offer(client_user, freelancer)
    with pytest.raises(DomainError, match="has not expired yet"):
        offer_expire(contract=contract)
    mailoutbox.clear()
    with time_machine.travel(timezone.now() + timedelta(days=14, seconds=1)):
        with django_capture_on_commit_callbacks(execute=True):
            offer_expire(contract=contract)
        with pytest.raises(DomainError, match="This offer expired without an answer"):
            offer_accept(actor=freelancer, contract=contract)
    contract.refresh_from_db()
    assert contract.state == ContractState.EXPIRED
    event = last_event(contract)
    assert event.actor is None and event.actor_label == "system" and event.kind == "offer.expired"
    assert sorted(m.to[0] for m in mailoutbox) == sorted([client_user.email, freelancer.email])


def test_an_expired_but_not_yet_swept_offer_cannot_be_accepted(client_user, freelancer):
    contract = make_offer(client_user, freelancer)
    with (time_machine.travel(timezone.now() + timedelta(days=15)),
          pytest.raises(DomainError, match="This offer has expired")):
        offer_accept(actor=freelancer, contract=contract)
    contract.refresh_from_db()
    assert contract.state == ContractState.OFFERED


def test_a_second_answer_is_refused_and_changes_nothing(client_user, freelancer):
    contract = make_offer(client_user, freelancer)
    offer_accept(actor=freelancer, contract=contract)
    with pytest.raises(DomainError, match="the contract is under way"):
        offer_decline(actor=freelancer, contract=contract)
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE
    assert Event.objects.filter(contract=contract).count() == 2


def test_stale_instance_cannot_override_a_newer_state(client_user, freelancer):
    """A service given an old copy re-reads the row under its lock, so rules see the truth."""
    contract = make_offer(client_user, freelancer)
    stale = type(contract).objects.get(pk=contract.pk)
    offer_withdraw(actor=client_user, contract=contract)
    with pytest.raises(DomainError):
        offer_accept(actor=freelancer, contract=stale)
    contract.refresh_from_db()
    assert contract.state == ContractState.WITHDRAWN


def test_freelancer_cannot_offer_to_themself():
    freelancer = FreelancerFactory()
    with pytest.raises(DomainError):
        offer_create(client=freelancer, freelancer=freelancer, title="t", description="d",
                     milestones=[MilestoneInput("a", 1)])
