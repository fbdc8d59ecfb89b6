"""Every staff read is recorded (spec section 2): each read of a case, a contract, a message
list or a file, in the console or on the pages case workers may open, writes one access log
entry (who, what, when); the case view shows the log to case workers; the parties see on
their dispute page who on the staff opened their case, with the first and last time."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db.models import Count, Max, Min
from django.urls import reverse
from django.utils import timezone

from conftest import login
from contracts.models import AccessLogEntry, Attachment, Message, StaffReader
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation, make_dispute
from marketplace.kernel.models.append_only import AppendOnlyError
from marketplace.kernel.templatetags.marketplace import moment
from marketplace.tests.factories import LeadMediatorFactory, MediatorFactory, StaffFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% the signed brief\n%%EOF\n"


@pytest.fixture
def case(mediator, settings, tmp_path):
    """maya's case, with a piece of evidence from the freelancer and a message from her."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    dispute = make_dispute()
    dsvc.dispute_message(actor=dispute.contract.freelancer, dispute=dispute, body="The brief.",
                         files=[ContentFile(PDF, name="brief.pdf")], evidence=True)
    dispute = in_mediation(dispute, mediator)
    dsvc.dispute_message(actor=mediator, dispute=dispute, body="Please both send invoices.")
    return dispute


def reads(**filters) -> list[tuple]:
    return list(AccessLogEntry.objects.filter(**filters).order_by("id")
                .values_list("reader_id", "contract_id", "what", "object_id"))


def console_reads(dispute):
    """Every console and page read of the case, as (path, what, object id) (the id of what
    was opened, None for a list)."""
    contract = dispute.contract
    message = Message.objects.filter(contract=contract).first()
    attachment = Attachment.objects.get(contract=contract)
    return [
        (reverse("admin:disputes_dispute_change", args=[dispute.pk]), "case", dispute.pk),
        (reverse("admin:contracts_contract_change", args=[contract.pk]), "contract", contract.pk),
        (reverse("admin:contracts_message_changelist") + f"?contract__id__exact={contract.pk}",
         "messages", None),
        (reverse("admin:contracts_message_change", args=[message.pk]), "message", message.pk),
        (reverse("admin:contracts_attachment_changelist") + f"?contract__id__exact={contract.pk}",
         "attachments", None),
        (reverse("admin:contracts_attachment_change", args=[attachment.pk]), "attachment",
         attachment.pk),
        (reverse("contracts:attachment", args=[attachment.pk]), "attachment", attachment.pk),
        (reverse("contracts:record", args=[contract.pk]), "record", None),
        (dispute.get_absolute_url(), "dispute_room", dispute.pk),
    ]


def test_each_read_writes_exactly_one_entry(client, case, mediator):
    login(client, mediator)
    for path, what, object_id in console_reads(case):
        before = AccessLogEntry.objects.count()
        response = client.get(path)
        assert response.status_code == 200, path
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        assert AccessLogEntry.objects.count() == before + 1, path
        entry = AccessLogEntry.objects.latest("id")
        assert (entry.reader_id, entry.contract_id, entry.what, entry.object_id) == (
            mediator.pk, case.contract_id, what, object_id), path
        assert abs(entry.at - timezone.now()) < timedelta(seconds=5)


def test_a_list_over_several_cases_logs_one_read_per_case_shown(client, case, mediator):
    other = in_mediation(make_dispute(), mediator)
    dsvc.dispute_message(actor=mediator, dispute=other, body="Hello both.")
    login(client, mediator)
    assert client.get(reverse("admin:contracts_message_changelist")).status_code == 200
    assert sorted(reads()) == sorted([(mediator.pk, case.contract_id, "messages", None),
                                      (mediator.pk, other.contract_id, "messages", None)])


def test_queues_lists_and_refusals_write_nothing(client, case, mediator):
    """The queue and the contract list show what is in the user's scope, not a case's data;
    a refused read (404) read nothing."""
    elsewhere = in_mediation(make_dispute(), MediatorFactory())
    login(client, mediator)
    for path in (reverse("admin:disputes_dispute_changelist"),
                 reverse("admin:contracts_contract_changelist"),
                 reverse("admin:disputes_dispute_change", args=[elsewhere.pk]),
                 reverse("contracts:record", args=[elsewhere.contract_id]),
                 elsewhere.get_absolute_url()):
        client.get(path)
    assert reads() == []


def test_the_parties_own_reads_are_not_logged(client, case):
    for party in case.contract.parties:
        login(client, party)
        for path in (case.get_absolute_url(), reverse("contracts:record",
                                                      args=[case.contract_id])):
            assert client.get(path).status_code == 200
    assert reads() == []


def test_a_superusers_reads_are_logged_too(client, case):
    admin_user = StaffFactory(is_superuser=True, first_name="Ada", last_name="Admin")
    login(client, admin_user)
    client.get(reverse("admin:disputes_dispute_change", args=[case.pk]))
    assert reads() == [(admin_user.pk, case.contract_id, "case", case.pk)]


def test_the_case_view_shows_its_access_log(client, case, mediator):
    lead = LeadMediatorFactory(first_name="Lena", last_name="Lind")
    login(client, lead)
    client.get(reverse("contracts:record", args=[case.contract_id]))
    login(client, mediator)
    body = client.get(reverse("admin:disputes_dispute_change", args=[case.pk])).content.decode()
    log = body.split('id="access-log"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td[^>]*>[^<]+</td><td>([^<]+)</td><td>([^<]+)</td></tr>", log)
    # newest first: maya's own opening of this view, then lena's read of the record
    assert rows == [("Maya Mendes", f"case view #{case.pk}"), ("Lena Lind", "printable record")]
    assert "2 reads by staff are logged for this contract" in body


def test_the_parties_see_who_opened_their_case_with_first_and_last_view(client, case, mediator):
    lead = LeadMediatorFactory(first_name="Lena", last_name="Lind")
    start = timezone.now()
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        login(client, mediator)
        client.get(reverse("admin:disputes_dispute_change", args=[case.pk]))
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        login(client, lead)
        client.get(case.get_absolute_url())
    with time_machine.travel(start + timedelta(days=1), tick=False):
        login(client, mediator)
        client.get(reverse("contracts:record", args=[case.contract_id]))
        client.get(reverse("admin:contracts_contract_change", args=[case.contract_id]))
    unrelated = in_mediation(make_dispute(), MediatorFactory(first_name="Omar", last_name="Ortiz"))
    login(client, unrelated.mediator)
    client.get(reverse("admin:disputes_dispute_change", args=[unrelated.pk]))

    login(client, case.contract.client)
    body = client.get(case.get_absolute_url()).content.decode()
    table = body.split('id="staff-readers"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", table)
    maya_reads = AccessLogEntry.objects.filter(reader=mediator).order_by("at")
    lena_read = AccessLogEntry.objects.get(reader=lead)
    assert rows == [
        ("Maya Mendes", moment(maya_reads.first().at), moment(maya_reads.last().at)),
        ("Lena Lind", moment(lena_read.at), moment(lena_read.at)),
    ]
    assert maya_reads.count() == 3  # three reads, one line: names, not every click
    assert "Omar Ortiz" not in body


def test_a_case_nobody_opened_says_so(client, case):
    login(client, case.contract.freelancer)
    body = client.get(case.get_absolute_url()).content.decode()
    assert "Nobody on the staff has opened it yet." in body


def test_entries_are_append_only(client, case, mediator):
    login(client, mediator)
    client.get(reverse("admin:disputes_dispute_change", args=[case.pk]))
    entry = AccessLogEntry.objects.get()
    entry.what = "contract"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_the_kept_readers_agree_with_the_log(client, case, mediator):
    """What the dispute room shows (contracts.StaffReader, kept as each read is logged) is
    what the log says: per reader and contract, the first and last read and how many."""
    other = in_mediation(make_dispute(), mediator)
    dsvc.dispute_message(actor=mediator, dispute=other, body="Hello both.")
    lead = LeadMediatorFactory()
    start = timezone.now()
    for hours, reader in ((1, mediator), (2, lead), (3, mediator)):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            login(client, reader)
            for path, _what, _id in console_reads(case):
                assert client.get(path).status_code == 200
            client.get(reverse("admin:contracts_message_changelist"))  # a list over both cases
    logged = {
        (row["reader_id"], row["contract_id"]): (row["first"], row["last"], row["n"])
        for row in AccessLogEntry.objects.values("reader_id", "contract_id").order_by()
        .annotate(first=Min("at"), last=Max("at"), n=Count("id"))}
    kept = {(r.reader_id, r.contract_id): (r.first_at, r.last_at, r.reads)
            for r in StaffReader.objects.all()}
    assert kept == logged
    assert kept[mediator.pk, case.contract_id][2] == 2 * (len(console_reads(case)) + 1)
    assert (mediator.pk, other.contract_id) in kept


def test_a_first_read_racing_another_counts_once_each(case, mediator, monkeypatch):
    """Two first reads at once by the same reader: the second insert meets the first's row
    (the unique constraint) and counts by the update; no read is lost, no error shows."""
    from contracts.services import access_log

    real_counted = access_log._counted
    calls = []

    def the_other_read_got_there_first(reader_id, contract_id, at):
        calls.append(at)
        if len(calls) == 1:  # the concurrent first read, committed just after our update
            StaffReader.objects.create(reader_id=reader_id, contract_id=contract_id,
                                       first_at=at, last_at=at, reads=1)
            return 0
        return real_counted(reader_id, contract_id, at)

    monkeypatch.setattr(access_log, "_counted", the_other_read_got_there_first)
    access_log.log_staff_read(reader=mediator, contract=case.contract, what="case",
                              object_id=case.pk)
    kept = StaffReader.objects.get(reader=mediator, contract=case.contract)
    assert len(calls) == 2 and kept.reads == 2
    assert AccessLogEntry.objects.filter(reader=mediator).count() == 1
