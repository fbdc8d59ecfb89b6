"""Feedback: double-blind with both reveal paths, never edited, one reply, the dispute label,
none while a case is open, and the communication question only where the client cancelled."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from conftest import login
from disputes.services import cancellations as svc
from disputes.services import disputes as dsvc
from disputes.tests.factories import make_dispute, make_request
from marketplace.kernel.deadlines import process_deadlines
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Event
from reputation.models import Feedback
from reputation.models.feedback import FeedbackLocked
from reputation.services.feedback import feedback_reply, feedback_submit
from reputation.tests.factories import completed_contract

pytestmark = pytest.mark.django_db


def leave(contract, author, rating=4, **extra):
    return feedback_submit(actor=author, contract=contract, rating=rating, communication=rating,
                           quality_or_clarity=rating, professionalism=rating,
                           comment=f"{author.username} says {rating}", **extra)


def test_hidden_until_both_have_submitted_then_revealed_together(client):
    contract = completed_contract()
    first = leave(contract, contract.client, 5)
    assert first.revealed_at is None
    login(client, contract.freelancer)
    page = client.get(reverse("reputation:feedback", args=[contract.pk])).content.decode()
    assert "hidden until you leave yours" in page
    assert first.comment not in page
    profile = client.get(reverse("public_profile", args=[contract.freelancer.username])).content.decode()
    assert first.comment not in profile
    leave(contract, contract.freelancer, 3)
    assert Feedback.objects.filter(contract=contract, revealed_at__isnull=True).count() == 0
    profile = client.get(reverse("public_profile", args=[contract.freelancer.username])).content.decode()
    assert first.comment in profile
    revealed = Event.objects.get(contract=contract, kind="feedback.revealed")
    assert "both parties" in revealed.text and revealed.actor is None
    submitted = Event.objects.filter(contract=contract, kind="feedback.submitted")
    assert submitted.count() == 2 and all("5" not in e.text for e in submitted)


def test_revealed_by_the_clock_when_the_window_closes():
    contract = completed_contract()
    leave(contract, contract.client, 2)
    with time_machine.travel(timezone.now() + timedelta(days=13, hours=23), tick=True):
        process_deadlines()
    assert Feedback.objects.get(contract=contract).revealed_at is None
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=5), tick=True):
        process_deadlines()
        process_deadlines()
        assert Feedback.objects.get(contract=contract).revealed_at is not None
        with pytest.raises(DomainError, match="are over"):
            leave(contract, contract.freelancer)
    assert Event.objects.filter(contract=contract, kind="feedback.revealed").count() == 1


def test_feedback_is_never_edited_and_only_once_per_party():
    contract = completed_contract()
    feedback = leave(contract, contract.client)
    feedback.rating = 1
    with pytest.raises(FeedbackLocked):
        feedback.save()
    with pytest.raises(FeedbackLocked):
        feedback.delete()
    with pytest.raises(DomainError, match="already left feedback"):
        leave(contract, contract.client, 1)
    assert Feedback.objects.get(pk=feedback.pk).rating == 4


def test_one_public_reply_by_the_receiver_after_the_reveal():
    contract = completed_contract()
    about_freelancer = leave(contract, contract.client, 2)
    with pytest.raises(DomainError, match="once the feedback is public"):
        feedback_reply(actor=contract.freelancer, feedback=about_freelancer, reply="Hm")
    leave(contract, contract.freelancer)
    with pytest.raises(DomainError, match="Only the person"):
        feedback_reply(actor=contract.client, feedback=about_freelancer, reply="me too")
    feedback_reply(actor=contract.freelancer, feedback=about_freelancer, reply="The brief changed twice.")
    with pytest.raises(DomainError, match="already replied"):
        feedback_reply(actor=contract.freelancer, feedback=about_freelancer, reply="again")
    about_freelancer.refresh_from_db()
    assert about_freelancer.reply == "The brief changed twice."
    assert Event.objects.filter(contract=contract, kind="feedback.replied").count() == 1


def test_no_feedback_before_the_contract_ends_or_while_a_case_is_open():
    request = make_request("client")
    with pytest.raises(DomainError, match="completed or cancelled"):
        leave(request.contract, request.contract.client)
    dispute = make_dispute()
    with pytest.raises(DomainError, match="completed or cancelled"):
        leave(dispute.contract, dispute.contract.freelancer)


def test_feedback_after_a_dispute_is_labelled(client):
    dispute = make_dispute()
    contract = dispute.contract
    offer = dsvc.dispute_make_offer(actor=contract.client, dispute=dispute, outcome="cancel",
                                    amount_cents=1_000, fault="none")
    dsvc.dispute_accept_offer(actor=contract.freelancer, offer=offer)
    feedback = leave(contract, contract.client, 3)
    # the client's cancellation ended in this settlement: the freelancer is asked about it
    leave(contract, contract.freelancer, 3, explained_clearly=True)
    assert Feedback.objects.get(pk=feedback.pk).after_dispute is True
    page = client.get(reverse("public_profile", args=[contract.freelancer.username])).content.decode()
    assert "after a dispute" in page


def test_communication_question_only_where_the_client_cancelled():
    by_client = make_request("client", fault="client")
    svc.cancellation_accept(actor=by_client.contract.freelancer, request=by_client)
    contract = by_client.contract
    with pytest.raises(DomainError, match="explained the cancellation"):
        leave(contract, contract.freelancer)
    leave(contract, contract.freelancer, explained_clearly=False)
    assert Feedback.objects.get(contract=contract, author=contract.freelancer).explained_clearly is False
    leave(contract, contract.client)
    # the client is never asked; a freelancer's own cancellation asks nothing either
    by_freelancer = make_request("freelancer", fault="freelancer")
    svc.cancellation_accept(actor=by_freelancer.contract.client, request=by_freelancer)
    f = leave(by_freelancer.contract, by_freelancer.contract.freelancer, explained_clearly=False)
    assert f.explained_clearly is None


def test_the_question_appears_on_the_form_only_when_asked(client):
    by_client = make_request("client", fault="client")
    svc.cancellation_accept(actor=by_client.contract.freelancer, request=by_client)
    login(client, by_client.contract.freelancer)
    url = reverse("reputation:feedback", args=[by_client.contract.pk])
    assert "explain the cancellation clearly" in client.get(url).content.decode()
    completed = completed_contract()
    login(client, completed.freelancer)
    body = client.get(reverse("reputation:feedback", args=[completed.pk])).content.decode()
    assert "explain the cancellation clearly" not in body and "Clarity of the brief" in body


def test_submitting_through_the_page(client):
    contract = completed_contract()
    login(client, contract.client)
    response = client.post(reverse("reputation:feedback", args=[contract.pk]), {
        "rating": "5", "communication": "4", "quality_or_clarity": "5", "professionalism": "4",
        "comment": "Excellent."})
    assert response.status_code == 302
    feedback = Feedback.objects.get(contract=contract)
    assert (feedback.rating, feedback.communication, feedback.author_role) == (5, 4, "client")
    bad = client.post(reverse("reputation:feedback", args=[contract.pk]), {"rating": "9"})
    assert bad.status_code in (200, 400) and Feedback.objects.count() == 1
