"""The mediator console (Django admin), driven over HTTP as maya and arthur would use it: the
queue and its filters, the read-only case view, the case's actions, forged POSTs, and proof
that a console action writes exactly what the same service writes for the app."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import later, login
from contracts.models import (
    Account,
    Attachment,
    Contract,
    ContractState,
    Entry,
    LedgerTransaction,
    Message,
    Settlement,
)
from disputes.console import CONSOLE_ACTIONS
from disputes.models import (
    CancellationRequest,
    Dispute,
    DisputeState,
    Proposal,
    SettlementOffer,
)
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation, make_dispute
from marketplace.kernel.deadlines import process_deadlines
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Event, Notification
from marketplace.tests.factories import (
    LeadArbitratorFactory,
    LeadMediatorFactory,
    MediatorFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

FINDINGS = "The brief asked for two layouts; both were delivered on time, one needed fixes."
CLAUSE = "§4.6 Outcomes and fault"
QUEUE = "/admin/disputes/dispute/"
PDF = b"%PDF-1.4\n% the signed brief, page one\n%%EOF\n"


# --- helpers ---------------------------------------------------------------------------------


def case_url(dispute) -> str:
    return f"/admin/disputes/dispute/{dispute.pk}/change/"


def act_url(dispute, action: str) -> str:
    return reverse("admin:disputes_dispute_act", args=[dispute.pk, action])



def queue_ids(client, query: str = "") -> set[int]:
    response = client.get(QUEUE + query)
    assert response.status_code == 200, (query, response.status_code)
    body = response.content.decode()
    return {int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', body)}


def queue_row(body: str, dispute) -> str:
    match = re.search(rf'<tr><td class="action-checkbox"><input [^>]*value="{dispute.pk}".*?</tr>',
                      body, re.S)
    assert match, f"dispute #{dispute.pk} is not in the queue"
    return match.group(0)


def cell(row: str, column: str) -> str:
    return re.search(rf'<t[dh] class="field-{column}[^"]*">(.*?)</t[dh]>', row, re.S).group(1)


def section(body: str, element_id: str) -> str:
    return body.split(f'id="{element_id}"', 1)[1].split("</table>", 1)[0]


def console_actions(body: str) -> set[str]:
    block = body.split('id="console-actions"', 1)[1].split("</div>", 1)[0]
    return set(re.findall(r'data-action="([a-z_]+)"', block))


def kinds(contract, after_seq: int = 0) -> list[str]:
    return list(Event.objects.filter(contract=contract, seq__gt=after_seq).order_by("seq")
                .values_list("kind", flat=True))


def last_seq(contract) -> int:
    return Event.objects.filter(contract=contract).order_by("-seq").values_list("seq", flat=True)[0]


def snapshot(dispute) -> dict:
    """Everything a console action could change; equal before and after means nothing did."""
    d = Dispute.objects.get(pk=dispute.pk)
    contract_id = d.contract_id
    return {
        "dispute": (d.state, d.mediator_id, d.arbitrator_id, d.proposal_rounds,
                    d.sla_extended_until, d.overdue_since, d.deadline_at, d.outcome, d.lost_by),
        "contract": Contract.objects.filter(pk=contract_id).values_list("state", flat=True)[0],
        "events": Event.objects.filter(contract_id=contract_id).count(),
        "proposals": Proposal.objects.filter(dispute=d).count(),
        "messages": Message.objects.filter(contract_id=contract_id).count(),
        "ledger": LedgerTransaction.objects.filter(contract_id=contract_id).count(),
        "notifications": Notification.objects.filter(contract_id=contract_id).count(),
    }


def propose_data(amount="250.00", outcome="cancel", fault="client") -> dict:
    """A proposal's or a decision's form (a decision moves money: it carries a one-time key)."""
    import uuid

    return {"outcome": outcome, "amount": amount, "fault": fault, "findings": FINDINGS,
            "policy_clause": CLAUSE, "idempotency_key": uuid.uuid4().hex}


def to_arbitration(mediator, dispute=None):
    """A case whose proposal and revised proposal were both rejected (mediator: `mediator`)."""
    dispute = in_mediation(dispute or make_dispute(), mediator)
    for _ in range(2):
        casework.dispute_propose(actor=mediator, dispute=dispute, outcome="continue",
                                 amount_cents=0, fault="none", findings=FINDINGS,
                                 policy_clause=CLAUSE)
        dsvc.dispute_reject_proposal(actor=dispute.contract.client, dispute=dispute,
                                     reason="Not acceptable.")
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.ARBITRATION
    return dispute


def make_case_worker_of(user, group: str):
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=group))
    return type(user).objects.get(pk=user.pk)  # drop the cached group names


def role_of(contract, user_id) -> str:
    return {contract.client_id: "client", contract.freelancer_id: "freelancer"}.get(user_id, "other")


def settlement_legs(contract) -> list[tuple]:
    """The settlement's entries as (account kind, whose, cents): comparable across contracts."""
    txn = LedgerTransaction.objects.get(contract=contract, kind="settlement")
    return sorted((e.account.kind, role_of(contract, e.account.user_id), e.amount_cents)
                  for e in txn.entries.select_related("account"))


def wallet(user) -> int:
    account = Account.objects.filter(kind="wallet", user=user).first()
    return account.balance_cents if account else 0


def record_since(contract, seq: int) -> list[tuple]:
    """Events after `seq` as (kind, actor, from, to, text) with this contract's ids masked."""
    dispute_ids = list(Dispute.objects.filter(contract=contract).values_list("pk", flat=True))
    rows = []
    for e in Event.objects.filter(contract=contract, seq__gt=seq).order_by("seq"):
        text = mask_parties(contract, e.text.replace(f"#{contract.pk}", "#C"))
        for pk in dispute_ids:
            text = text.replace(f"#{pk}", "#D")
        actor = role_of(contract, e.actor_id)
        rows.append((e.kind, e.actor_id if actor == "other" else actor, e.from_state, e.to_state,
                     text))
    return rows


def mask_parties(contract, text: str) -> str:
    return (text.replace(contract.client.display_name, "<client>")
            .replace(contract.freelancer.display_name, "<freelancer>"))


def mail_by_role(contract, outbox) -> list[tuple]:
    emails = {contract.client.email: "client", contract.freelancer.email: "freelancer"}
    return sorted((emails.get(m.to[0], m.to[0]), mask_parties(contract, m.subject))
                  for m in outbox)


def notifications_by_role(contract, since_pk: int) -> list[tuple]:
    return sorted((role_of(contract, n.user_id), mask_parties(contract, n.text))
                  for n in Notification.objects.filter(pk__gt=since_pk, contract=contract))


def last_notification_pk() -> int:
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- 1. the queue ----------------------------------------------------------------------------


def test_queue_lists_cases_with_state_age_deadline_escrow_and_overdue_flag(client, mediator):
    mine = in_mediation(make_dispute(amounts=(12_345,), fund=1, submit=1), mediator)
    login(client, mediator)
    with later(days=settings.MEDIATION_SLA_DAYS, hours=1):
        waiting = in_mediation(make_dispute("denial"))  # nobody holds it; $500.00 in escrow
        body = client.get(QUEUE).content.decode()
    row = queue_row(body, mine)
    assert f"#{mine.pk} " in cell(row, "case") and "Build a booking page" in cell(row, "case")
    assert cell(
        row, "state_badge") == '<span class="console-state" data-state="mediation">Mediation</span>'
    assert cell(row, "disputed") == "cancellation"
    assert cell(row, "held_by") == "Maya Mendes"
    assert cell(row, "age") == f"{settings.MEDIATION_SLA_DAYS} d 1 h"
    # in mediation the deadline is the SLA: MEDIATION_SLA_DAYS after mediation started
    assert mine.sla_due_at == mine.mediation_started_at + timedelta(days=settings.MEDIATION_SLA_DAYS)
    assert f'datetime="{mine.sla_due_at.isoformat()}"' in cell(row, "deadline")
    assert cell(row, "escrow") == "$123.45"
    assert 'data-overdue="1">overdue by 1 h</span>' in cell(row, "deadline")

    row = queue_row(body, waiting)
    assert 'data-state="mediation"' in cell(row, "state_badge")
    assert cell(row, "disputed") == "denial"
    assert "nobody yet" in cell(row, "held_by")
    assert f'datetime="{waiting.sla_due_at.isoformat()}"' in cell(row, "deadline")
    assert cell(row, "escrow") == "$500.00"
    assert "overdue" not in cell(row, "deadline")
    # due MEDIATION_SLA_DAYS from now, less the moments the test took
    assert f">in {settings.MEDIATION_SLA_DAYS - 1} d 23 h</span>" in cell(row, "deadline")


def test_queue_filters_return_exactly_the_right_cases(client, mediator, arbitrator):
    other = MediatorFactory(first_name="Omar", last_name="Ortiz")
    negotiation = make_dispute("denial")
    free = in_mediation(make_dispute("denial"))
    mine = in_mediation(make_dispute(), mediator)
    others = in_mediation(make_dispute(), other)
    proposal_free = in_mediation(make_dispute(), other)
    casework.dispute_propose(actor=other, dispute=proposal_free, outcome="continue",
                             amount_cents=0, fault="none", findings=FINDINGS, policy_clause=CLAUSE)
    casework.dispute_recuse(actor=other, dispute=proposal_free, reason="A conflict of interest.")
    arbitration_free = to_arbitration(other)
    arbitrated = to_arbitration(mediator)  # maya mediated it; arthur arbitrates
    casework.dispute_assign_arbitrator(actor=arbitrator, dispute=arbitrated)
    settled = make_dispute()
    offer = dsvc.dispute_make_offer(actor=settled.contract.freelancer, dispute=settled,
                                    outcome="continue", amount_cents=0, fault="none")
    dsvc.dispute_accept_offer(actor=settled.contract.client, offer=offer)
    everything = {d.pk for d in (negotiation, free, mine, others, proposal_free, arbitration_free,
                                 arbitrated, settled)}

    # maya's queue: the cases nobody mediates, and the ones she holds (need to know)
    login(client, mediator)
    assert queue_ids(client) == {free.pk, mine.pk, proposal_free.pk, arbitrated.pk}
    assert queue_ids(client, "?state=mediation") == {free.pk, mine.pk}
    assert queue_ids(client, "?state=arbitration") == {arbitrated.pk}
    assert queue_ids(client, "?state=settled") == set()
    assert queue_ids(client, "?assigned=me") == {mine.pk, arbitrated.pk}
    assert queue_ids(client, "?assigned=none") == {free.pk, proposal_free.pk}
    assert queue_ids(client, "?assigned=me&state=mediation") == {mine.pk}
    assert queue_ids(client, "?kind=denial") == {free.pk}
    login(client, arbitrator)
    assert queue_ids(client) == {arbitration_free.pk, arbitrated.pk}
    assert queue_ids(client, "?assigned=me") == {arbitrated.pk}
    assert queue_ids(client, "?assigned=none") == {arbitration_free.pk}
    login(client, other)
    assert queue_ids(client, "?assigned=me") == {others.pk, arbitration_free.pk}
    login(client, StaffFactory(is_superuser=True))
    assert queue_ids(client, "?state=all") == everything
    assert queue_ids(client) == everything - {settled.pk}  # open cases by default
    assert queue_ids(client, "?state=closed") == {settled.pk}
    assert queue_ids(client, "?kind=denial") == {negotiation.pk, free.pk}


def test_overdue_filter_follows_the_mediation_sla(client, mediator):
    negotiation = make_dispute()
    late = in_mediation(make_dispute(), mediator)
    login(client, StaffFactory(is_superuser=True))  # sees every case, negotiation too
    assert queue_ids(client, "?overdue=yes") == set()
    assert queue_ids(client, "?overdue=no") == {negotiation.pk, late.pk}
    with later(days=settings.MEDIATION_SLA_DAYS, minutes=-5):
        assert queue_ids(client, "?overdue=yes") == set()
    with later(days=settings.MEDIATION_SLA_DAYS, minutes=1):
        recent = in_mediation(make_dispute())  # entered mediation just now: on time
        assert queue_ids(client, "?overdue=yes") == {late.pk}
        assert queue_ids(client, "?overdue=no") == {negotiation.pk, recent.pk}


def test_overdue_filter_follows_the_arbitration_sla(client, mediator, arbitrator):
    case = to_arbitration(mediator)
    casework.dispute_assign_arbitrator(actor=arbitrator, dispute=case)
    login(client, arbitrator)
    with later(days=settings.ARBITRATION_SLA_DAYS, minutes=-5):
        assert queue_ids(client, "?overdue=yes") == set()
        assert queue_ids(client, "?overdue=no") == {case.pk}
    with later(days=settings.ARBITRATION_SLA_DAYS, minutes=1):
        assert queue_ids(client, "?overdue=yes") == {case.pk}
        assert queue_ids(client, "?overdue=no") == set()


def test_a_mediators_sla_extension_does_not_become_the_arbitration_sla(client, mediator,
                                                                       arbitrator):
    dispute = in_mediation(make_dispute(), mediator)
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="continue", amount_cents=0,
                             fault="none", findings=FINDINGS, policy_clause=CLAUSE)
    dsvc.dispute_reject_proposal(actor=dispute.contract.client, dispute=dispute, reason="No.")
    casework.dispute_extend_deadline(actor=mediator, dispute=dispute,
                                     until=timezone.now() + timedelta(days=3),
                                     reason="Waiting for the client's invoices.")
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="continue", amount_cents=0,
                             fault="none", findings=FINDINGS, policy_clause=CLAUSE)
    dsvc.dispute_reject_proposal(actor=dispute.contract.client, dispute=dispute, reason="No.")
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.ARBITRATION
    login(client, arbitrator)
    with later(days=4):  # the mediator's extension has passed; the arbitration SLA has not
        assert queue_ids(client, "?overdue=yes") == set()
    assert dispute.sla_due_at == dispute.arbitration_started_at + timedelta(
        days=settings.ARBITRATION_SLA_DAYS)


def _mixed_cases(n: int, mediator, arbitrator) -> None:
    """Cases in negotiation, with a mediator, and with a mediator and an arbitrator."""
    for i in range(n):
        if i % 3 == 0:
            make_dispute()
        elif i % 3 == 1:
            in_mediation(make_dispute(), mediator)
        else:
            casework.dispute_assign_arbitrator(actor=arbitrator, dispute=to_arbitration(mediator))


def _queue_queries(client, expected_rows: int) -> int:
    """The queries of the queue page, which shows `expected_rows` cases."""
    client.get(QUEUE)  # warm up the session and the content-type cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE)
    body = response.content.decode()
    assert len(re.findall(r'name="_selected_action"', body)) == expected_rows
    return len(queries)


def test_queue_query_count_does_not_grow_with_the_cases(client, mediator, arbitrator):
    login(client, mediator)
    _mixed_cases(3, mediator, arbitrator)
    small = _queue_queries(client, 2)  # maya sees the cases she mediates, not negotiations
    _mixed_cases(27, mediator, arbitrator)
    large = _queue_queries(client, 20)
    assert large == small, f"3 cases: {small} queries, 30 cases: {large}"
    login(client, arbitrator)
    assert _queue_queries(client, 10) <= small


# --- 2. the case view ------------------------------------------------------------------------


def _worked_case(mediator):
    """A case with evidence, a lapsed offer, messages, and a proposal awaiting the parties."""
    dispute = make_dispute()
    contract = dispute.contract
    dsvc.dispute_message(actor=contract.freelancer, dispute=dispute, body="The brief, signed.",
                         files=[ContentFile(PDF, name="brief.pdf")], evidence=True)
    dsvc.dispute_make_offer(actor=contract.client, dispute=dispute, outcome="cancel",
                            amount_cents=7_500, fault="none", message="Half of part two?")
    dispute = in_mediation(dispute, mediator)
    dsvc.dispute_message(actor=mediator, dispute=dispute, body="Please both send your invoices.")
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="cancel", amount_cents=20_000,
                             fault="client", findings=FINDINGS, policy_clause=CLAUSE)
    dispute.refresh_from_db()
    return dispute


def test_case_view_shows_the_whole_record(client, mediator):
    dispute = _worked_case(mediator)
    contract = dispute.contract
    login(client, mediator)
    response = client.get(case_url(dispute))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-state="proposal"' in body
    assert '<td id="case-mediator">Maya Mendes</td>' in body
    assert '<td id="case-escrow">$500.00</td>' in body

    timeline = section(body, "case-timeline")
    events = list(Event.objects.filter(contract=contract).order_by("seq"))
    assert timeline.count("<tr>") == len(events) >= 12
    for event in events:
        assert f"<tr><td>{event.seq}</td>" in timeline
    assert "asked for mediation" in timeline and "proposed (round 1)" in timeline

    thread = section(body, "case-messages")
    assert "The brief, signed." in thread and "Please both send your invoices." in thread
    assert thread.count("<em>(dispute)</em>") == 2

    evidence = Attachment.objects.get(dispute=dispute)
    assert f'<a href="/attachments/{evidence.pk}/">brief.pdf</a>' in body
    assert f"sha256 {evidence.sha256}" in body

    offers = body.split("<h2>Offers</h2>", 1)[1].split("</table>", 1)[0]
    assert "$75.00" in offers and "Lapsed" in offers

    proposals = body.split("<h2>Proposals and decision</h2>", 1)[1].split("<h2>", 1)[0]
    assert "round 1" in proposals and "$200.00" in proposals
    assert FINDINGS in proposals and CLAUSE in proposals

    ledger = section(body, "case-ledger")
    transactions = LedgerTransaction.objects.filter(contract=contract)
    assert ledger.count("<tr>") - 1 == transactions.count() == 2  # two fundings
    for txn in transactions:
        assert f"<tr><td>{txn.pk}</td>" in ledger
    assert "escrow of contract" in ledger and "$300.00" in ledger and "$200.00" in ledger


def test_evidence_downloads_for_the_cases_workers_with_the_exact_bytes(client, mediator,
                                                                       arbitrator, stranger):
    dispute = _worked_case(mediator)
    evidence = Attachment.objects.get(dispute=dispute)
    for reader in (mediator, LeadMediatorFactory(), StaffFactory(is_superuser=True)):
        login(client, reader)
        response = client.get(f"/attachments/{evidence.pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
    # not their case (an arbitrator before arbitration, another mediator): it does not exist
    for outsider in (stranger, arbitrator, MediatorFactory(), StaffFactory()):
        login(client, outsider)
        assert client.get(f"/attachments/{evidence.pk}/").status_code == 404


def test_case_view_offers_only_the_actions_the_user_may_take(client, mediator, arbitrator):
    dispute = in_mediation(make_dispute())
    login(client, mediator)
    assert console_actions(client.get(case_url(dispute)).content.decode()) == {"assign_to_me"}
    client.post(act_url(dispute, "assign_to_me"))
    assert console_actions(client.get(case_url(dispute)).content.decode()) == {
        "propose", "recuse", "extend", "message"}
    login(client, arbitrator)  # not in arbitration yet: not an arbitrator's case
    assert client.get(case_url(dispute)).status_code == 404
    login(client, LeadMediatorFactory())  # a lead sees it, and may only reassign it
    assert console_actions(client.get(case_url(dispute)).content.decode()) == {"reassign"}
    login(client, StaffFactory(is_superuser=True))
    body = client.get(case_url(dispute)).content.decode()
    assert console_actions(body) == {"reassign"}
    login(client, arbitrator)

    arbitration = to_arbitration(mediator)
    assert console_actions(client.get(case_url(arbitration)).content.decode()) == {
        "take_arbitration"}
    client.post(act_url(arbitration, "take_arbitration"))
    assert console_actions(client.get(case_url(arbitration)).content.decode()) == {
        "decide", "extend", "message", "recuse_arbitration"}
    login(client, mediator)  # its mediator may still write, but never decides
    assert console_actions(client.get(case_url(arbitration)).content.decode()) == {"message"}

    negotiation = make_dispute()  # nobody's case yet: not in anyone's console
    assert client.get(case_url(negotiation)).status_code == 404
    login(client, StaffFactory(is_superuser=True))
    body = client.get(case_url(negotiation)).content.decode()
    assert console_actions(body) == set() and "No action is open to you on this case." in body


def test_case_view_query_count_does_not_grow_with_the_record(client, mediator):
    def count(dispute):
        client.get(case_url(dispute))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(case_url(dispute)).status_code == 200
        return len(queries)

    login(client, mediator)
    dispute = _worked_case(mediator)
    before = count(dispute)
    contract = dispute.contract
    for i in range(5):
        dsvc.dispute_message(actor=contract.client, dispute=dispute, body=f"Note {i}",
                             files=[ContentFile(b"plain text note", name=f"note{i}.txt")])
        dsvc.dispute_message(actor=mediator, dispute=dispute, body=f"Answer {i}")
    dsvc.dispute_reject_proposal(actor=contract.client, dispute=dispute, reason="Too much.")
    dsvc.dispute_make_offer(actor=contract.client, dispute=dispute, outcome="continue",
                            amount_cents=0, fault="none")
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="continue", amount_cents=0,
                             fault="none", findings=FINDINGS, policy_clause=CLAUSE)
    assert count(dispute) == before


def test_a_post_to_the_case_view_saves_nothing(client, mediator, admin_user):
    dispute = in_mediation(make_dispute(), mediator)
    before = snapshot(dispute)
    forged = {"state": "decided", "mediator": "", "arbitrator": mediator.pk, "outcome": "cancel",
              "lost_by": "client", "_save": "Save"}
    for user in (mediator, admin_user):
        login(client, user)
        assert client.post(case_url(dispute), forged).status_code in (403, 405)
        assert client.get(f"/admin/disputes/dispute/{dispute.pk}/delete/").status_code == 403
        assert client.post(f"/admin/disputes/dispute/{dispute.pk}/delete/",
                           {"post": "yes"}).status_code == 403
        assert client.get("/admin/disputes/dispute/add/").status_code == 403
    assert snapshot(dispute) == before


@pytest.fixture
def record_rows(mediator):
    """One of each read-only row: an event, a message with an attachment, ledger rows, a
    settlement, a cancellation request, an offer and a proposal."""
    dispute = in_mediation(make_dispute(), mediator)
    contract = dispute.contract
    dsvc.dispute_message(actor=contract.freelancer, dispute=dispute, body="Here it is.",
                         files=[ContentFile(PDF, name="brief.pdf")], evidence=True)
    offer = dsvc.dispute_make_offer(actor=contract.freelancer, dispute=dispute, outcome="cancel",
                                    amount_cents=30_000, fault="none")
    dsvc.dispute_accept_offer(actor=contract.client, offer=offer)
    casework_free = in_mediation(make_dispute(), mediator)
    casework.dispute_propose(actor=mediator, dispute=casework_free, outcome="continue",
                             amount_cents=0, fault="none", findings=FINDINGS, policy_clause=CLAUSE)
    return {
        Event: Event.objects.filter(contract=contract).last(),
        Message: Message.objects.filter(contract=contract).last(),
        Attachment: Attachment.objects.get(contract=contract),
        LedgerTransaction: LedgerTransaction.objects.get(contract=contract, kind="settlement"),
        Account: Account.objects.get(kind="escrow", contract=contract),
        Contract: contract,
        Settlement: Settlement.objects.get(contract=contract),
        CancellationRequest: dispute.cancellation_request,
        SettlementOffer: offer,
        Proposal: Proposal.objects.get(dispute=casework_free),
    }


# What a case worker reads of their own case through the admin (the rest is for superusers).
CASE_WORKER_MODELS = {Contract, Message, Attachment}


def _row_values(obj) -> dict:
    obj = type(obj).objects.get(pk=obj.pk)
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.parametrize("model", [Event, Message, Attachment, LedgerTransaction, Account, Contract,
                                   Settlement, CancellationRequest, SettlementOffer, Proposal],
                         ids=lambda m: m.__name__)
def test_record_admins_are_read_only_even_for_a_superuser(client, rf, admin_user, mediator,
                                                          record_rows, model):
    obj = record_rows[model]
    model_admin = admin.site._registry[model]
    request = rf.get("/admin/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)
    assert model_admin.get_actions(request) == {}  # no "delete selected"

    before = _row_values(obj)
    info = (model._meta.app_label, model._meta.model_name)
    change = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
    delete = reverse("admin:{}_{}_delete".format(*info), args=[obj.pk])
    changelist = reverse("admin:{}_{}_changelist".format(*info))
    forged = {"text": "tampered", "body": "tampered", "state": "cancelled", "kind": "deposit",
              "balance_cents": "1", "amount_to_freelancer_cents": "1", "_save": "Save"}
    for user in (admin_user, mediator):
        login(client, user)
        page = client.get(change)
        if user == mediator and model not in CASE_WORKER_MODELS:
            assert page.status_code == 403  # wallets, the ledger, the record: superusers only
            assert client.get(changelist).status_code == 403
        else:
            assert page.status_code == 200  # viewable ...
            assert 'name="_save"' not in page.content.decode()  # ... with no save button
        assert client.post(change, forged).status_code == 403
        assert client.get(delete).status_code == 403
        assert client.post(delete, {"post": "yes"}).status_code == 403
        assert client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 403
        client.post(changelist, {"action": "delete_selected", "_selected_action": [obj.pk],
                                 "post": "yes", "index": "0"})
    assert _row_values(obj) == before


def test_ledger_entries_have_no_admin_of_their_own_and_show_read_only(client, admin_user,
                                                                      record_rows):
    assert not admin.site.is_registered(Entry)
    txn = record_rows[LedgerTransaction]
    entries = list(Entry.objects.filter(transaction=txn).values_list("pk", "amount_cents"))
    login(client, admin_user)
    body = client.get(reverse("admin:contracts_ledgertransaction_change",
                              args=[txn.pk])).content.decode()
    assert not re.search(r'<(input|select|textarea)[^>]+name="entries-\d+-(amount_cents|account)"',
                         body)
    from marketplace.kernel.money import format_money

    for _pk, amount in entries:
        assert f"<p>{format_money(amount)}</p>" in body  # shown in dollars, read-only
    assert client.post(reverse("admin:contracts_ledgertransaction_change", args=[txn.pk]), {
        "entries-TOTAL_FORMS": "1", "entries-INITIAL_FORMS": "1",
        "entries-0-id": entries[0][0], "entries-0-amount_cents": "1"}).status_code == 403
    assert list(Entry.objects.filter(transaction=txn).values_list("pk", "amount_cents")) == entries


# --- 3. assign, reassign, recuse -------------------------------------------------------------


def test_assign_reassign_and_recuse_through_the_console(client, mediator, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    other = MediatorFactory(username="omar", first_name="Omar", last_name="Ortiz")
    lead = LeadMediatorFactory(username="lena", first_name="Lena", last_name="Lind")
    dispute = in_mediation(make_dispute())
    contract = dispute.contract
    login(client, mediator)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(act_url(dispute, "assign_to_me"), follow=True)
    assert response.redirect_chain[-1][0] == case_url(dispute)
    assert "You now hold this case; both parties were told." in response.content.decode()
    dispute.refresh_from_db()
    assert dispute.mediator == mediator and dispute.state == DisputeState.MEDIATION
    event = Event.objects.filter(contract=contract).order_by("-seq").first()
    assert (event.kind, event.actor_id) == ("dispute.mediator_assigned", mediator.pk)
    assert event.text == "Maya Mendes took the case as its mediator."
    assert {m.to[0] for m in mailoutbox} == {contract.client.email, contract.freelancer.email}
    assert Notification.objects.filter(user=contract.freelancer, text__contains="Maya Mendes is now the mediator").exists()
    # maya holds it: she may not give it away herself, and the button is not offered
    assert "reassign" not in console_actions(client.get(case_url(dispute)).content.decode())

    # the lead mediator reassigns it to omar, saying why
    login(client, lead)
    form = client.get(act_url(dispute, "reassign")).content.decode()
    options = set(re.findall(r'<option value="(\d+)"', form))
    assert {str(other.pk), str(lead.pk)} <= options
    assert not options & {str(mediator.pk), str(contract.client_id), str(contract.freelancer_id)}
    since = last_notification_pk()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(act_url(dispute, "reassign"),
                               {"mediator": other.pk, "reason": "Maya is on leave this week."})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.mediator == other
    event = Event.objects.filter(contract=contract).order_by("-seq").first()
    assert (event.kind, event.actor_id) == ("dispute.mediator_reassigned", lead.pk)
    assert event.text == ("Lena Lind reassigned the case to mediator Omar Ortiz, taking it from "
                          "Maya Mendes. Reason: Maya is on leave this week.")
    told = {(n.user_id, n.text) for n in Notification.objects.filter(pk__gt=since)}
    assert told == {
        (mediator.pk, f"Lena Lind reassigned dispute #{dispute.pk} to Omar Ortiz: "
                      "Maya is on leave this week."),
        (other.pk, f"Lena Lind assigned you dispute #{dispute.pk}."),
        (contract.client_id, "Omar Ortiz is now the mediator of the dispute on “Build a booking page”."),
        (contract.freelancer_id, "Omar Ortiz is now the mediator of the dispute on “Build a booking page”."),
    }
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [mediator.email, other.email, contract.client.email, contract.freelancer.email])

    # no longer her case: maya cannot recuse from it, nor even open it
    login(client, mediator)
    before = snapshot(dispute)
    assert client.post(act_url(dispute, "recuse"), {"reason": "Too busy."}).status_code == 404
    assert client.get(case_url(dispute)).status_code == 404
    assert snapshot(dispute) == before

    login(client, other)
    response = client.post(act_url(dispute, "recuse"), {"reason": "I know the client personally."})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.mediator is None and dispute.state == DisputeState.MEDIATION
    event = Event.objects.filter(contract=contract).order_by("-seq").first()
    assert event.kind == "dispute.mediator_recused" and "I know the client personally." in event.text
    assert Notification.objects.filter(user=mediator, text=f"Dispute #{dispute.pk} is back in the queue.").exists()
    assert Notification.objects.filter(user=contract.client, text__contains="Omar Ortiz stepped down").exists()
    assert kinds(contract)[-3:] == ["dispute.mediator_assigned", "dispute.mediator_reassigned",
                                    "dispute.mediator_recused"]


def test_bulk_assign_to_me_from_the_queue(client, mediator, arbitrator):
    first, second = in_mediation(make_dispute()), in_mediation(make_dispute())
    negotiation = make_dispute()
    arbitration = to_arbitration(MediatorFactory())
    untouched = snapshot(negotiation)
    login(client, mediator)
    # a case outside her queue (in negotiation) is not hers to select: it is left out
    response = client.post(QUEUE, {"action": "assign_to_me", "index": "0",
                                   "_selected_action": [first.pk, second.pk, negotiation.pk]},
                           follow=True)
    body = response.content.decode()
    assert "2 cases assigned to you." in body
    assert f"#{negotiation.pk}" not in body
    for dispute in (first, second):
        dispute.refresh_from_db()
        assert dispute.mediator == mediator
        assert kinds(dispute.contract)[-1] == "dispute.mediator_assigned"
    assert snapshot(negotiation) == untouched
    assert queue_ids(client, "?assigned=me") == {first.pk, second.pk}

    # an arbitrator takes an arbitration case in bulk; a mediation case is not in his queue
    third = in_mediation(make_dispute())
    untouched = snapshot(third)
    login(client, arbitrator)
    body = client.post(QUEUE, {"action": "assign_to_me", "index": "0",
                               "_selected_action": [arbitration.pk, third.pk]},
                       follow=True).content.decode()
    assert "1 case assigned to you." in body
    assert f"#{third.pk}" not in body
    arbitration.refresh_from_db()
    assert arbitration.arbitrator == arbitrator
    assert kinds(arbitration.contract)[-1] == "dispute.arbitrator_assigned"
    assert snapshot(third) == untouched


def test_the_console_refuses_a_party_as_mediator(client, mediator):
    dispute = in_mediation(make_dispute())
    party = make_case_worker_of(dispute.contract.client, "Mediators")
    before = snapshot(dispute)
    login(client, party)
    # nobody works a case they are a party to: in the console it does not exist for them
    assert dispute.pk not in queue_ids(client)
    assert client.get(case_url(dispute)).status_code == 404
    assert client.get(act_url(dispute, "assign_to_me")).status_code == 404
    assert client.post(act_url(dispute, "assign_to_me")).status_code == 404
    response = client.post(QUEUE, {"action": "assign_to_me", "index": "0",
                                   "_selected_action": [dispute.pk]}, follow=True)
    assert response.status_code == 200
    assert snapshot(dispute) == before
    # and the rule itself refuses them, whatever the page
    with pytest.raises(DomainError, match="Nobody mediates a case they are a party to"):
        casework.dispute_assign_mediator(actor=party, dispute=dispute)

    # nor can a lead mediator hand it to the party
    casework.dispute_assign_mediator(actor=mediator, dispute=dispute)
    before = snapshot(dispute)
    login(client, LeadMediatorFactory())
    response = client.post(act_url(dispute, "reassign"), {"mediator": party.pk,
                                                          "reason": "She asked for it."})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert snapshot(dispute) == before


# --- 4. forged POSTs -------------------------------------------------------------------------


def test_staff_without_a_group_is_refused_everything(client, mediator):
    dispute = in_mediation(make_dispute(), mediator)
    arbitration = to_arbitration(MediatorFactory())
    staff = StaffFactory(username="sam")
    before, before_arbitration = snapshot(dispute), snapshot(arbitration)
    login(client, staff)
    for case, action, data in [
        (dispute, "assign_to_me", {}), (dispute, "reassign", {"mediator": staff.pk}),
        (dispute, "recuse", {"reason": "x"}), (dispute, "propose", propose_data()),
        (dispute, "message", {"body": "hello"}),
        (dispute, "extend", {"until": "2099-01-01T00:00", "reason": "x"}),
        (arbitration, "take_arbitration", {}), (arbitration, "decide", propose_data()),
    ]:
        response = client.post(act_url(case, action), data)
        assert response.status_code in (403, 404), (action, response.status_code)
    assert client.get(QUEUE).status_code == 403
    assert client.get(case_url(dispute)).status_code == 403
    assert client.post(QUEUE, {"action": "assign_to_me", "index": "0",
                               "_selected_action": [dispute.pk]}).status_code == 403
    # a party who is not staff is sent to the admin's login page
    login(client, dispute.contract.client)
    response = client.post(act_url(dispute, "assign_to_me"))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert snapshot(dispute) == before and snapshot(arbitration) == before_arbitration


def test_a_mediator_who_does_not_hold_the_case_cannot_propose_or_write(client, mediator):
    holder = MediatorFactory()
    dispute = in_mediation(make_dispute(), holder)
    before = snapshot(dispute)
    login(client, mediator)  # not her case: in the console it does not exist for her
    for action, data in (("propose", propose_data()), ("message", {"body": "Hello both."}),
                         ("recuse", {"reason": "x"}), ("assign_to_me", {})):
        assert client.post(act_url(dispute, action), data).status_code == 404, action
    assert client.get(case_url(dispute)).status_code == 404
    login(client, LeadMediatorFactory())  # a lead sees it, but only its mediator works it
    response = client.post(act_url(dispute, "propose"), propose_data(), follow=True)
    assert response.redirect_chain[-1][0] == case_url(dispute)
    assert "Only the case&#x27;s assigned mediator can do this." in response.content.decode()
    response = client.post(act_url(dispute, "message"), {"body": "Hello both."}, follow=True)
    assert "Only the case&#x27;s mediator or arbitrator writes to the parties" in response.content.decode()
    response = client.post(act_url(dispute, "extend"), {"until": (timezone.now() + timedelta(
        days=3)).strftime("%Y-%m-%dT%H:%M"), "reason": "More time."}, follow=True)
    assert "Only the case&#x27;s mediator (or, in arbitration, its arbitrator)" in (
        response.content.decode())
    assert snapshot(dispute) == before


@pytest.mark.parametrize(("data", "error"), [
    ({"amount": "500.01"}, "At most the $500.00 in escrow."),
    ({"findings": "Too short."}, "Ensure this value has at least 20 characters"),
    ({"policy_clause": ""}, "This field is required."),
    ({"outcome": "refund_everything"}, "Select a valid choice."),
])
def test_the_case_mediators_invalid_proposal_changes_nothing(client, mediator, data, error):
    dispute = in_mediation(make_dispute(), mediator)
    before = snapshot(dispute)
    login(client, mediator)
    response = client.post(act_url(dispute, "propose"), {**propose_data(), **data})
    assert response.status_code == 400 and error in response.content.decode()
    assert snapshot(dispute) == before


def test_an_arbitrator_cannot_propose_and_a_mediator_cannot_decide(client, mediator, arbitrator):
    mediation = in_mediation(make_dispute(), mediator)
    arbitration = to_arbitration(mediator)
    casework.dispute_assign_arbitrator(actor=arbitrator, dispute=arbitration)
    before, before_arbitration = snapshot(mediation), snapshot(arbitration)

    login(client, arbitrator)  # a mediation case is not an arbitrator's: it does not exist
    assert client.post(act_url(mediation, "propose"), propose_data()).status_code == 404
    assert CONSOLE_ACTIONS["propose"].refusal(mediation, arbitrator) == "Only a mediator can do this."

    login(client, mediator)  # the case's own mediator
    response = client.post(act_url(arbitration, "decide"), propose_data(), follow=True)
    assert "The arbitrator of a case is never its mediator." in response.content.decode()
    login(client, MediatorFactory())  # any other mediator: not their case
    assert client.post(act_url(arbitration, "decide"), propose_data()).status_code == 404
    login(client, LeadArbitratorFactory())  # a lead arbitrator sees it, yet must reassign first
    response = client.post(act_url(arbitration, "decide"), propose_data(), follow=True)
    assert "Only the case&#x27;s assigned arbitrator can decide it." in response.content.decode()
    assert snapshot(mediation) == before and snapshot(arbitration) == before_arbitration
    assert not Settlement.objects.filter(contract=arbitration.contract).exists()


def test_the_cases_mediator_never_takes_its_arbitration(client, mediator):
    dispute = to_arbitration(mediator)
    both = make_case_worker_of(mediator, "Arbitrators")
    before = snapshot(dispute)
    login(client, both)
    assert "take_arbitration" not in console_actions(client.get(case_url(dispute)).content.decode())
    response = client.post(act_url(dispute, "take_arbitration"), follow=True)
    assert "The arbitrator of a case is never its mediator." in response.content.decode()
    response = client.post(QUEUE, {"action": "assign_to_me", "index": "0",
                                   "_selected_action": [dispute.pk]}, follow=True)
    assert "never its mediator" in response.content.decode()
    assert snapshot(dispute) == before


def test_a_post_without_a_csrf_token_is_refused(mediator):
    dispute = in_mediation(make_dispute())
    browser = login(Client(enforce_csrf_checks=True), mediator)
    before = snapshot(dispute)
    assert browser.post(act_url(dispute, "assign_to_me")).status_code == 403
    assert browser.post(QUEUE, {"action": "assign_to_me", "index": "0",
                                "_selected_action": [dispute.pk]}).status_code == 403
    assert snapshot(dispute) == before
    # the same POST with the page's token goes through, so the refusal above was the token's
    page = browser.get(act_url(dispute, "assign_to_me")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert browser.post(act_url(dispute, "assign_to_me"),
                        {"csrfmiddlewaretoken": token}).status_code == 302
    dispute.refresh_from_db()
    assert dispute.mediator == mediator


# --- 5. the console writes what the app writes -----------------------------------------------


@pytest.mark.parametrize(("outcome", "amount", "cents", "contract_state"), [
    ("cancel", "210.00", 21_000, ContractState.CANCELLED),
    ("continue", "0.00", 0, ContractState.ACTIVE),
])
def test_console_decide_writes_what_the_service_writes(client, mediator, arbitrator, mailoutbox,
                                                       django_capture_on_commit_callbacks,
                                                       outcome, amount, cents, contract_state):
    via_console, via_service = to_arbitration(mediator), to_arbitration(mediator)
    for dispute in (via_console, via_service):
        casework.dispute_assign_arbitrator(actor=arbitrator, dispute=dispute)
    marks = {d.pk: (last_seq(d.contract), last_notification_pk()) for d in (via_console, via_service)}
    wallets = {d.pk: (wallet(d.contract.client), wallet(d.contract.freelancer))
               for d in (via_console, via_service)}

    login(client, arbitrator)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(act_url(via_console, "decide"),
                               propose_data(amount=amount, outcome=outcome), follow=True)
    assert {"cancel": "Decision recorded; the settlement has been executed.",
            "continue": "Decision recorded; the contract continues and no money moved."}[
        outcome] in response.content.decode()
    console_mail = mail_by_role(via_console.contract, mailoutbox)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        casework.dispute_decide(actor=arbitrator, dispute=via_service, outcome=outcome,
                                amount_cents=cents, fault="client", findings=FINDINGS,
                                policy_clause=CLAUSE)
    service_mail = mail_by_role(via_service.contract, mailoutbox)

    for dispute in (via_console, via_service):
        dispute.refresh_from_db()
        dispute.contract.refresh_from_db()
        assert dispute.state == DisputeState.DECIDED and dispute.lost_by == "client"
        assert dispute.contract.state == contract_state
    assert console_mail == service_mail
    assert {role for role, _subject in console_mail} == {"client", "freelancer"}
    assert record_since(via_console.contract, marks[via_console.pk][0]) == record_since(
        via_service.contract, marks[via_service.pk][0])
    assert "dispute.decided" in kinds(via_console.contract, marks[via_console.pk][0])
    assert notifications_by_role(via_console.contract, marks[via_console.pk][1]) == \
        notifications_by_role(via_service.contract, marks[via_service.pk][1])
    decisions = [Proposal.objects.values("kind", "author", "outcome", "amount_to_freelancer_cents",
                                         "fault", "findings", "policy_clause").get(dispute=d, kind="decision")
                 for d in (via_console, via_service)]
    assert decisions[0] == decisions[1]
    moved = [(wallet(d.contract.client) - wallets[d.pk][0],
              wallet(d.contract.freelancer) - wallets[d.pk][1]) for d in (via_console, via_service)]
    assert moved[0] == moved[1]
    if outcome == "cancel":
        assert settlement_legs(via_console.contract) == settlement_legs(via_service.contract) == [
            ("escrow", "other", -50_000), ("fees", "other", 2_100),
            ("wallet", "client", 29_000), ("wallet", "freelancer", 18_900)]
        assert moved[0] == (29_000, 18_900)
        settled = [Settlement.objects.values("escrow_cents", "to_freelancer_cents", "to_client_cents",
                                             "fee_cents", "fault", "how").get(contract=d.contract)
                   for d in (via_console, via_service)]
        assert settled[0] == settled[1]
    else:
        assert not LedgerTransaction.objects.filter(kind="settlement").exists()
        assert moved[0] == (0, 0)


@pytest.mark.parametrize("action", ["propose", "decide"])
def test_a_continue_outcome_needs_no_amount(client, mediator, arbitrator, action):
    if action == "propose":
        dispute, worker = in_mediation(make_dispute(), mediator), mediator
    else:
        dispute, worker = to_arbitration(mediator), arbitrator
        casework.dispute_assign_arbitrator(actor=arbitrator, dispute=dispute)
    login(client, worker)
    response = client.post(act_url(dispute, action),
                           propose_data(amount="", outcome="continue", fault="none"))
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.state == {"propose": DisputeState.PROPOSAL,
                             "decide": DisputeState.DECIDED}[action]
    assert dispute.proposals.order_by("-pk").first().outcome == "continue"


def test_console_proposal_accepted_on_the_parties_pages_writes_what_the_services_write(
        client, mediator, mailoutbox, django_capture_on_commit_callbacks):
    via_console = in_mediation(make_dispute(), mediator)
    via_service = in_mediation(make_dispute(), mediator)
    marks = {d.pk: last_seq(d.contract) for d in (via_console, via_service)}

    login(client, mediator)
    response = client.post(act_url(via_console, "propose"),
                           propose_data(amount="300.00", fault="freelancer"))
    assert response.status_code == 302
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for party in (via_console.contract.freelancer, via_console.contract.client):
            login(client, party)
            response = client.post(reverse("disputes:dispute_action",
                                           args=[via_console.pk, "accept_proposal"]),
                                   {"idempotency_key": uuid.uuid4().hex})
            assert response.status_code == 302
    console_mail = mail_by_role(via_console.contract, mailoutbox)

    casework.dispute_propose(actor=mediator, dispute=via_service, outcome="cancel",
                             amount_cents=30_000, fault="freelancer", findings=FINDINGS,
                             policy_clause=CLAUSE)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dsvc.dispute_accept_proposal(actor=via_service.contract.freelancer, dispute=via_service)
        dsvc.dispute_accept_proposal(actor=via_service.contract.client, dispute=via_service)
    service_mail = mail_by_role(via_service.contract, mailoutbox)

    for dispute in (via_console, via_service):
        dispute.refresh_from_db()
        assert dispute.state == DisputeState.RESOLVED and dispute.lost_by == "freelancer"
    assert record_since(via_console.contract, marks[via_console.pk]) == record_since(
        via_service.contract, marks[via_service.pk])
    assert kinds(via_console.contract, marks[via_console.pk]) == [
        "dispute.proposed", "dispute.proposal_accepted", "dispute.proposal_accepted",
        "dispute.resolved", "settlement.executed"]
    assert settlement_legs(via_console.contract) == settlement_legs(via_service.contract) == [
        ("escrow", "other", -50_000), ("fees", "other", 3_000),
        ("wallet", "client", 20_000), ("wallet", "freelancer", 27_000)]
    assert console_mail == service_mail
    assert {role for role, _subject in console_mail} == {"client", "freelancer"}


# --- 6. messages to both parties -------------------------------------------------------------


def test_message_both_parties_from_the_console(client, mediator, mailoutbox,
                                               django_capture_on_commit_callbacks):
    dispute = in_mediation(make_dispute(), mediator)
    contract = dispute.contract
    since = last_notification_pk()
    login(client, mediator)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(act_url(dispute, "message"), {
            "body": "Please both send your invoices by Friday.",
            "files": [ContentFile(b"Invoice template: date, amount, work done.\n",
                                  name="invoice-template.txt")]}, follow=True)
    assert "Message sent to both parties." in response.content.decode()
    message = Message.objects.get(contract=contract, author=mediator)
    assert (message.body, message.dispute_id) == ("Please both send your invoices by Friday.",
                                                  dispute.pk)
    attachment = message.attachments.get()
    assert attachment.original_name == "invoice-template.txt" and attachment.dispute_id is None
    event = Event.objects.filter(contract=contract).order_by("-seq").first()
    assert (event.kind, event.actor_id, event.data["dispute_id"]) == ("message.posted", mediator.pk,
                                                                      dispute.pk)
    assert event.text == "Please both send your invoices by Friday."
    assert notifications_by_role(contract, since) == [
        ("client", "New message from Maya Mendes on “Build a booking page”."),
        ("freelancer", "New message from Maya Mendes on “Build a booking page”.")]
    assert sorted(m.to[0] for m in mailoutbox) == sorted([contract.client.email,
                                                          contract.freelancer.email])
    # the parties read it on their dispute page and can download the file
    for party in contract.parties:
        login(client, party)
        page = client.get(dispute.get_absolute_url()).content.decode()
        assert "Please both send your invoices by Friday." in page
        download = client.get(f"/attachments/{attachment.pk}/")
        assert b"".join(download.streaming_content).startswith(b"Invoice template")
    login(client, mediator)
    thread = section(client.get(case_url(dispute)).content.decode(), "case-messages")
    assert "Please both send your invoices by Friday." in thread and "<em>(dispute)</em>" in thread


# --- 7. extending the SLA --------------------------------------------------------------------


def test_extending_the_deadline_moves_the_sla_clears_overdue_and_records_why(
        client, mediator, mailoutbox, django_capture_on_commit_callbacks):
    dispute = in_mediation(make_dispute(), mediator)
    contract = dispute.contract
    login(client, mediator)
    with later(days=settings.MEDIATION_SLA_DAYS, hours=1):
        process_deadlines()
        dispute.refresh_from_db()
        assert dispute.overdue_since is not None
        assert queue_ids(client, "?overdue=yes") == {dispute.pk}
        assert "OVERDUE" in client.get(case_url(dispute)).content.decode()

        # a deadline earlier than the current one is refused and changes nothing
        before = snapshot(dispute)
        earlier = (timezone.now() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
        response = client.post(act_url(dispute, "extend"), {"until": earlier, "reason": "x"})
        assert response.status_code == 400
        assert "The new deadline must be later than the current one." in response.content.decode()
        assert snapshot(dispute) == before

        until = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
        since = last_notification_pk()
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(act_url(dispute, "extend"), {
                "until": until.strftime("%Y-%m-%dT%H:%M"),
                "reason": "Waiting for the bank statement."})
        assert response.status_code == 302
        dispute.refresh_from_db()
        assert dispute.sla_extended_until == until and dispute.sla_due_at == until
        assert dispute.overdue_since is None and not dispute.is_overdue
        assert queue_ids(client, "?overdue=yes") == set()
        assert dispute.pk in queue_ids(client, "?overdue=no")
        body = client.get(QUEUE).content.decode()
        row = queue_row(body, dispute)
        assert "overdue" not in cell(row, "deadline")
        assert f'datetime="{until.isoformat()}"' in cell(row, "deadline")
        assert "OVERDUE" not in client.get(case_url(dispute)).content.decode()
        event = Event.objects.filter(contract=contract).order_by("-seq").first()
        assert event.kind == "dispute.deadline_extended" and event.actor_id == mediator.pk
        assert "Waiting for the bank statement." in event.text
        assert {role for role, text in notifications_by_role(contract, since)
                if "moved to" in text} == {"client", "freelancer"}
        assert {m.to[0] for m in mailoutbox} == {contract.client.email, contract.freelancer.email}
    # once the extension runs out the case is overdue again
    with later(days=settings.MEDIATION_SLA_DAYS + 2, hours=2):
        assert queue_ids(client, "?overdue=yes") == {dispute.pk}


def _extend_as_new_yorker(client, mediator):
    """Maya works from New York; she types 12:00 her time in the deadline field."""
    mediator.timezone = "America/New_York"
    mediator.save()
    with time_machine.travel(datetime(2030, 1, 7, 9, 0, tzinfo=UTC), tick=True):
        dispute = in_mediation(make_dispute(), mediator)
        login(client, mediator)
        form = client.get(act_url(dispute, "extend")).content.decode()
        assert "New deadline (in your time zone)" in form
        response = client.post(act_url(dispute, "extend"), {
            "until": "2030-01-10T12:00", "reason": "Waiting for the bank statement."})
        assert response.status_code == 302
    dispute.refresh_from_db()
    return dispute


def test_the_extend_field_is_read_in_the_mediators_time_zone(client, mediator):
    dispute = _extend_as_new_yorker(client, mediator)
    assert dispute.sla_extended_until == datetime(2030, 1, 10, 17, 0, tzinfo=UTC)  # 12:00 EST


def test_the_extension_event_states_the_instant_in_utc(client, mediator):
    dispute = _extend_as_new_yorker(client, mediator)
    event = Event.objects.filter(contract=dispute.contract).order_by("-seq").first()
    assert "extended the deadline to Thu 10 Jan 2030, 17:00 UTC" in event.text

