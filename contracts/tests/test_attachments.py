"""Attachments: validated by content, stored under server names with their hash, served to few.

Checked through the service (`message_post`) and over HTTP (the thread's multipart form), and
the download view's headers and access. Messages and attachments cannot be changed afterwards.
"""

import hashlib
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from conftest import login, postgres_only
from contracts.models import Attachment, Message
from contracts.services.messages import message_post
from contracts.tests.factories import make_active_contract
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Event
from marketplace.kernel.models.append_only import AppendOnlyError

PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
       b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
PNG = (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00\x00\x00\x01\x00\x00\x00\x01"
       + b"\x08\x02\x00\x00\x00" + b"\x90wS\xde" + b"\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(32) + b"\xff\xd9"
TEXT = "Delivery notes — café menu ✓\nSecond line.\n".encode()
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b"<script>alert(document.cookie)</script></svg>")
XML_SVG = b'<?xml version="1.0"?>\n' + SVG

ACCEPTED = [
    pytest.param("quarterly-report.pdf", PDF, "application/pdf", ".pdf", id="pdf"),
    pytest.param("homepage-mockup.png", PNG, "image/png", ".png", id="png"),
    pytest.param("kitchen-photo.jpeg", JPEG, "image/jpeg", ".jpg", id="jpeg"),
    pytest.param("delivery-notes.txt", TEXT, "text/plain", ".txt", id="utf8-text"),
]
# (name, content, a phrase the refusal must contain)
REFUSED = [
    pytest.param("invoice.pdf", HTML, "is not a PDF, PNG, JPEG or plain-text file",
                 id="html-named-pdf"),
    pytest.param("logo.svg", SVG, "is not a PDF, PNG, JPEG or plain-text file",
                 id="svg-with-script"),
    pytest.param("logo.txt", SVG, "is not a PDF, PNG, JPEG or plain-text file",
                 id="svg-with-script-named-txt"),
    pytest.param("logo.txt", XML_SVG, "is not a PDF, PNG, JPEG or plain-text file",
                 id="xml-svg-named-txt"),
    pytest.param("screenshot.pdf", PNG, "does not contain what its name says",
                 id="png-named-pdf"),
    pytest.param("notes.txt", b"\xff\xfe" + "not utf-8".encode("utf-16-le"),
                 "is not a PDF, PNG, JPEG or plain-text file", id="utf16-text"),
    pytest.param("empty.txt", b"", "is empty", id="empty"),
]
SERVER_NAME = re.compile(r"^attachments/\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|png|jpg|txt)$")


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def contract(client_user, freelancer, media_root):
    return make_active_contract(client=client_user, freelancer=freelancer)


def stored_files(media_root: Path) -> list[Path]:
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


def counts(contract) -> tuple[int, int, int]:
    return (Message.objects.filter(contract=contract).count(),
            Attachment.objects.filter(contract=contract).count(),
            Event.objects.filter(contract=contract).count())


def assert_stored(attachment: Attachment, *, name: str, content: bytes, content_type: str,
                  extension: str, media_root: Path, uploaded_between) -> None:
    assert attachment.original_name == name
    assert attachment.content_type == content_type
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert uploaded_between[0] <= attachment.uploaded_at <= uploaded_between[1]
    # The server chose the name: nothing of the uploader's name reached the disk.
    assert SERVER_NAME.match(attachment.file.name), attachment.file.name
    assert attachment.file.name.endswith(extension)
    assert Path(name).stem not in attachment.file.name
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to((media_root / "attachments").resolve())
    assert path.read_bytes() == content
    assert stored_files(media_root) == [path]


def assert_recorded(message: Message, attachment: Attachment, content: bytes) -> None:
    event = Event.objects.get(contract=message.contract, kind="message.posted")
    assert (event.subject_type, event.subject_id) == ("message", message.pk)
    assert event.data["message_id"] == message.pk
    [entry] = event.data["attachments"]
    assert {key: entry[key] for key in ("id", "name", "sha256", "size")} == {
        "id": attachment.pk, "name": attachment.original_name,
        "sha256": hashlib.sha256(content).hexdigest(), "size": len(content),
    }


def http_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- through the service -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("wrap", [
    pytest.param(lambda name, data, ctype: ContentFile(data, name=name), id="ContentFile"),
    pytest.param(lambda name, data, ctype: SimpleUploadedFile(name, data, ctype),
                 id="SimpleUploadedFile"),
])
@pytest.mark.parametrize(("name", "content", "content_type", "extension"), ACCEPTED)
def test_service_stores_a_valid_file(contract, freelancer, media_root, wrap, name, content,
                                     content_type, extension):
    # The declared content type is not trusted: a lie in it changes nothing.
    upload = wrap(name, content, "application/octet-stream")
    before = counts(contract)
    start = timezone.now()

    message = message_post(actor=freelancer, contract=contract, body="", files=[upload])

    attachment = Attachment.objects.get(contract=contract)
    assert (attachment.message_id, attachment.uploaded_by_id) == (message.pk, freelancer.pk)
    assert counts(contract) == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert_stored(attachment, name=name, content=content, content_type=content_type,
                  extension=extension, media_root=media_root,
                  uploaded_between=(start, timezone.now()))
    assert_recorded(message, attachment, content)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "content", "phrase"), [
    *REFUSED,
    pytest.param("../../etc/passwd.txt", b"root:x:0:0\n", "contains a path", id="dotdot-path"),
    pytest.param("/etc/passwd.txt", b"root:x:0:0\n", "contains a path", id="absolute-path"),
    pytest.param("..\\..\\boot.txt", b"boot\n", "contains a path", id="backslash-path"),
])
def test_service_refuses_and_saves_nothing(contract, freelancer, media_root, name, content,
                                           phrase):
    before = counts(contract)
    with pytest.raises(DomainError, match=re.escape(phrase)) as refused:
        message_post(actor=freelancer, contract=contract, body="See the file.",
                     files=[ContentFile(content, name=name)])
    assert name in refused.value.message  # the user is told which file
    assert counts(contract) == before
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_service_refuses_a_file_over_the_size_limit(settings, contract, freelancer, media_root):
    settings.ATTACHMENT_MAX_MB = 1
    before = counts(contract)
    with pytest.raises(DomainError, match="larger than the 1 MB limit"):
        message_post(actor=freelancer, contract=contract, body="Big one.",
                     files=[ContentFile(b"a" * (1024 * 1024 + 1), name="big.txt")])
    assert counts(contract) == before
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_service_accepts_a_file_of_exactly_the_size_limit(settings, contract, freelancer,
                                                          media_root):
    settings.ATTACHMENT_MAX_MB = 1
    content = b"a" * (1024 * 1024)
    message_post(actor=freelancer, contract=contract, body="",
                 files=[ContentFile(content, name="limit.txt")])
    attachment = Attachment.objects.get(contract=contract)
    assert attachment.size == len(content)
    assert Path(attachment.file.path).read_bytes() == content


@pytest.mark.django_db
def test_service_refuses_all_files_when_one_is_bad(contract, freelancer, media_root):
    before = counts(contract)
    with pytest.raises(DomainError, match="does not contain what its name says"):
        message_post(actor=freelancer, contract=contract, body="Two files.",
                     files=[ContentFile(PDF, name="good.pdf"), ContentFile(PNG, name="bad.pdf")])
    assert counts(contract) == before
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_service_refuses_a_non_party_and_saves_nothing(contract, stranger, media_root):
    before = counts(contract)
    with pytest.raises(DomainError, match="Only the parties"):
        message_post(actor=stranger, contract=contract, body="Let me in.",
                     files=[ContentFile(PDF, name="quarterly-report.pdf")])
    assert counts(contract) == before
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_service_leaves_no_file_behind_when_the_post_fails_after_storing(
        monkeypatch, contract, freelancer, media_root):
    def record_fails(**kwargs):
        raise RuntimeError("the record could not be written")

    monkeypatch.setattr("contracts.services.messages.record_event", record_fails)
    before = counts(contract)
    with pytest.raises(RuntimeError):
        message_post(actor=freelancer, contract=contract, body="Two files.",
                     files=[ContentFile(PDF, name="a.pdf"), ContentFile(PNG, name="b.png")])
    assert counts(contract) == before
    assert stored_files(media_root) == []


# --- over HTTP, through the thread's form ---------------------------------------------------


def thread_post(client, contract, **data):
    return client.post(reverse("contracts:message", kwargs={"pk": contract.pk}), data)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "content", "content_type", "extension"), ACCEPTED)
def test_http_stores_a_valid_file(client, contract, client_user, media_root, name, content,
                                  content_type, extension):
    login(client, client_user)
    before = counts(contract)
    start = timezone.now()

    response = thread_post(client, contract, body="Attached.",
                           files=[SimpleUploadedFile(name, content, "application/octet-stream")])

    assert response.status_code == 302
    assert response.url == contract.get_absolute_url() + "#thread"
    assert http_messages(response) == ["Message sent."]
    assert counts(contract) == (before[0] + 1, before[1] + 1, before[2] + 1)
    message = Message.objects.get(contract=contract)
    assert (message.author_id, message.body) == (client_user.pk, "Attached.")
    attachment = message.attachments.get()
    assert_stored(attachment, name=name, content=content, content_type=content_type,
                  extension=extension, media_root=media_root,
                  uploaded_between=(start, timezone.now()))
    assert_recorded(message, attachment, content)
    # The thread links the file by id, under the name the uploader knows.
    page = client.get(contract.get_absolute_url())
    link = reverse("contracts:attachment", kwargs={"pk": attachment.pk})
    assert f'href="{link}"'.encode() in page.content
    assert attachment.file.name.encode() not in page.content


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "content", "phrase"), REFUSED)
def test_http_refuses_with_a_message_and_saves_nothing(client, contract, client_user,
                                                       media_root, name, content, phrase):
    login(client, client_user)
    before = counts(contract)

    response = thread_post(client, contract, body="See the file.",
                           files=[SimpleUploadedFile(name, content, "text/plain")])

    assert response.status_code == 302
    assert response.url == contract.get_absolute_url() + "#message-form"
    shown = " ".join(http_messages(response))
    # An empty file is refused by the form (Django's own wording), the rest by the service.
    assert phrase in shown or (name == "empty.txt" and "empty" in shown), shown
    assert counts(contract) == before
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_http_refuses_a_file_over_the_size_limit(settings, client, contract, client_user,
                                                 media_root):
    settings.ATTACHMENT_MAX_MB = 1
    login(client, client_user)
    before = counts(contract)
    response = thread_post(client, contract, body="Big one.",
                           files=[SimpleUploadedFile("big.txt", b"a" * (1024 * 1024 + 1))])
    assert response.status_code == 302
    assert "larger than the 1 MB limit" in " ".join(http_messages(response))
    assert counts(contract) == before
    assert stored_files(media_root) == []


@pytest.mark.django_db
@pytest.mark.parametrize("sent_name", ["../../etc/passwd.txt", "..\\..\\etc\\passwd.txt",
                                       "/etc/passwd.txt"])
def test_http_upload_with_a_path_is_stored_under_a_server_name(client, contract, client_user,
                                                               media_root, sent_name):
    """Django keeps only the last part of an uploaded name; the file still lands where we say.

    The test client would strip the path itself, so the multipart body is written by hand.
    """
    login(client, client_user)
    content = b"root:x:0:0:root:/root:/bin/sh\n"
    boundary = "----access-test-boundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="body"\r\n\r\n'
        "A path in the name.\r\n"
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="files"; filename="{sent_name}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()

    response = client.post(reverse("contracts:message", kwargs={"pk": contract.pk}), body,
                           content_type=f"multipart/form-data; boundary={boundary}")

    assert response.status_code == 302
    attachment = Attachment.objects.get(contract=contract)
    assert attachment.original_name == "passwd.txt"
    assert SERVER_NAME.match(attachment.file.name), attachment.file.name
    assert "passwd" not in attachment.file.name and ".." not in attachment.file.name
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to((media_root / "attachments").resolve())
    assert path.read_bytes() == content
    assert stored_files(media_root) == [path]
    assert not (media_root.parent / "etc").exists()


# --- download ------------------------------------------------------------------------------


@pytest.fixture
def download(contract, freelancer):
    """Post a file as the freelancer; return its attachment."""

    def post(name: str, content: bytes) -> Attachment:
        message_post(actor=freelancer, contract=contract, body="",
                     files=[ContentFile(content, name=name)])
        return Attachment.objects.filter(contract=contract).latest("id")

    return post


def fetch(client, attachment) -> tuple[object, bytes]:
    response = client.get(reverse("contracts:attachment", kwargs={"pk": attachment.pk}))
    if getattr(response, "streaming", False):
        # Reading to the end closes the file (and not the test's database connection).
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return response, content


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["client_user", "freelancer"])
@pytest.mark.parametrize(("name", "content", "content_type", "extension"), ACCEPTED)
def test_download_for_parties(request, client, download, role, name, content, content_type,
                              extension):
    attachment = download(name, content)
    login(client, request.getfixturevalue(role))
    response, body = fetch(client, attachment)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == content_type
    assert body == content
    assert hashlib.sha256(body).hexdigest() == attachment.sha256


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["mediator", "arbitrator"])
def test_case_workers_get_no_file_of_a_contract_without_a_case(request, client, download, role):
    """Case workers read the files of their cases only (need to know); a contract nobody
    disputes is none of their business: its files do not exist for them."""
    attachment = download("brief.pdf", PDF)
    login(client, request.getfixturevalue(role))
    response, body = fetch(client, attachment)
    assert response.status_code == 404
    assert body != PDF


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "header"), [
    ("café-menü.txt", "attachment; filename*=utf-8''caf%C3%A9-men%C3%BC.txt"),
    ('say "hi".txt', 'attachment; filename="say \\"hi\\".txt"'),
])
def test_download_name_is_encoded_safely_in_the_header(client, download, client_user, name,
                                                       header):
    attachment = download(name, TEXT)
    login(client, client_user)
    response, body = fetch(client, attachment)
    assert response.status_code == 200
    assert response["Content-Disposition"] == header
    assert body == TEXT


@pytest.mark.django_db
def test_download_refused_to_a_stranger_with_404(client, download, stranger):
    attachment = download("quarterly-report.pdf", PDF)
    login(client, stranger)
    response, body = fetch(client, attachment)
    assert response.status_code == 404
    assert PDF not in body
    assert "Content-Disposition" not in response


@pytest.mark.django_db
def test_download_sends_anonymous_to_login(client, download):
    attachment = download("quarterly-report.pdf", PDF)
    response, body = fetch(client, attachment)
    assert response.status_code == 302
    location = urlsplit(response.url)
    assert location.path == reverse("account_login")
    assert parse_qs(location.query)["next"] == [
        reverse("contracts:attachment", kwargs={"pk": attachment.pk})]
    assert PDF not in body


# --- nothing written can change ------------------------------------------------------------


@pytest.mark.django_db
def test_messages_cannot_be_edited_or_deleted(contract, freelancer):
    message = message_post(actor=freelancer, contract=contract, body="Original words.")
    message.body = "Rewritten words."
    with pytest.raises(AppendOnlyError):
        message.save()
    with pytest.raises(AppendOnlyError):
        message.delete()
    message.refresh_from_db()
    assert message.body == "Original words."
    assert Message.objects.filter(contract=contract).count() == 1


@pytest.mark.django_db
def test_attachments_cannot_be_edited_or_deleted(contract, freelancer, media_root):
    message_post(actor=freelancer, contract=contract, body="",
                 files=[ContentFile(PDF, name="quarterly-report.pdf")])
    attachment = Attachment.objects.get(contract=contract)
    attachment.original_name = "other.pdf"
    attachment.uploaded_at -= timedelta(days=30)
    with pytest.raises(AppendOnlyError):
        attachment.save()
    with pytest.raises(AppendOnlyError):
        attachment.delete()
    attachment.refresh_from_db()
    assert attachment.original_name == "quarterly-report.pdf"
    assert Path(attachment.file.path).read_bytes() == PDF


@pytest.mark.as_owner  # the trigger, not the app role's privileges, is tested
@pytest.mark.django_db
def test_database_refuses_a_bulk_update_of_messages(contract, freelancer):
    message = message_post(actor=freelancer, contract=contract, body="Original words.")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Message.objects.filter(pk=message.pk).update(body="Rewritten words.")
    message.refresh_from_db()
    assert message.body == "Original words."


@pytest.mark.as_owner  # the trigger, not the app role's privileges, is tested
@postgres_only
@pytest.mark.django_db
def test_database_refuses_a_bulk_delete_of_messages_on_postgresql(contract, freelancer):
    message = message_post(actor=freelancer, contract=contract, body="Original words.")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Message.objects.filter(pk=message.pk).delete()
    assert Message.objects.filter(pk=message.pk).exists()
