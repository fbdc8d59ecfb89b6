"""Limits: a body over the largest legitimate request is refused with 413 on its declared
length before it is read, while a message with the most files of the largest size still
posts; formsets build at most their maximum; pages of a signed-in user are never cached;
only verified accounts apply to jobs."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import login
from contracts.models import Attachment, Contract, Message
from contracts.tests.factories import make_active_contract
from marketplace.kernel.errors import DomainError
from marketplace.tests.factories import ClientFactory, FreelancerFactory
from reputation.models import Application, Job
from reputation.services.jobs import job_apply

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_the_largest_request_is_the_most_files_of_the_largest_size_plus_one_mb():
    assert settings.MAX_REQUEST_BYTES == (
        settings.ATTACHMENTS_PER_MESSAGE * settings.ATTACHMENT_MAX_MB * MB + MB)
    assert settings.MAX_REQUEST_BYTES < 50_000_000  # so the review's 50 MB body is refused


@pytest.mark.parametrize("path", ["/contracts/1/messages/", "/accounts/login/", "/wallet/deposit/"])
def test_a_50_mb_body_is_refused_with_413_on_its_declared_length_before_it_is_read(client, path):
    response = client.generic("POST", path, b"", content_type="multipart/form-data; boundary=x",
                              CONTENT_LENGTH=str(50 * 1000 * 1000),
                              **{"wsgi.input": UnreadableBody()})
    assert response.status_code == 413
    assert "larger than the 41 MB we accept" in response.content.decode()


def test_a_body_without_a_declared_length_is_refused_and_a_bad_length_is_a_400(client):
    chunked = client.generic("POST", "/accounts/login/", b"login=a", CONTENT_LENGTH="",
                             HTTP_TRANSFER_ENCODING="chunked",
                             content_type="application/x-www-form-urlencoded")
    assert chunked.status_code == 411
    bad = client.generic("POST", "/accounts/login/", b"login=a", CONTENT_LENGTH="many",
                         content_type="application/x-www-form-urlencoded")
    assert bad.status_code == 400


def test_a_message_with_the_most_files_of_the_largest_size_still_posts(client, settings,
                                                                       tmp_path):
    settings.MEDIA_ROOT = tmp_path
    contract = make_active_contract()
    login(client, contract.client)
    size = settings.ATTACHMENT_MAX_MB * MB
    files = [SimpleUploadedFile(f"part{i}.txt", b"a" * size, content_type="text/plain")
             for i in range(settings.ATTACHMENTS_PER_MESSAGE)]
    response = client.post(reverse("contracts:message", args=[contract.pk]),
                           {"body": "All the exports.", "files": files})
    assert response.status_code == 302, response.content[:500]
    message = Message.objects.get(contract=contract)
    assert Attachment.objects.filter(message=message).count() == settings.ATTACHMENTS_PER_MESSAGE
    assert {a.size for a in Attachment.objects.filter(message=message)} == {size}


def test_one_file_more_than_a_message_takes_is_refused_with_a_message(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    contract = make_active_contract()
    login(client, contract.client)
    files = [SimpleUploadedFile(f"n{i}.txt", b"note", content_type="text/plain")
             for i in range(settings.ATTACHMENTS_PER_MESSAGE + 1)]
    page = client.post(reverse("contracts:message", args=[contract.pk]),
                       {"body": "Too many.", "files": files}, follow=True).content.decode()
    assert f"Attach at most {settings.ATTACHMENTS_PER_MESSAGE} files at a time." in page
    assert not Message.objects.filter(contract=contract).exists()


def test_a_formset_claiming_100000_forms_builds_at_most_its_maximum(client):
    freelancer = FreelancerFactory()
    login(client, ClientFactory())
    data = {"title": "Site", "description": "A site.", "milestones-TOTAL_FORMS": "100000",
            "milestones-INITIAL_FORMS": "0", "milestones-0-title": "One",
            "milestones-0-amount": "10"}
    response = client.post(f"/contracts/new/?freelancer={freelancer.username}", data)
    assert response.status_code == 400
    assert "Please submit at most 20 forms." in response.content.decode()
    assert len(response.content) < 200_000
    assert not Contract.objects.exists()


# --- caching ------------------------------------------------------------------------------------


def test_every_page_of_a_signed_in_user_is_private_and_not_stored(client):
    contract = make_active_contract()
    login(client, contract.client)
    for path in ["/", "/wallet/", contract.get_absolute_url(), f"/contracts/{contract.pk}/record/",
                 "/notifications/", "/policy/", "/accounts/email/"]:
        cache_control = client.get(path)["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, path


def test_public_pages_for_visitors_are_not_marked_private(client):
    response = client.get("/policy/")
    assert "no-store" not in response.get("Cache-Control", "")


# --- jobs -----------------------------------------------------------------------------------------


def test_only_verified_freelancers_apply_to_jobs(client):
    job = Job.objects.create(client=ClientFactory(), title="Logo", description="A logo.",
                             budget_cents=10_000)
    unverified = FreelancerFactory(verified=False)
    with pytest.raises(DomainError, match="Verify your email address before applying"):
        job_apply(actor=unverified, job=job, cover_note="Me!", price_cents=9_000)
    login(client, unverified)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Verify your email address to apply to jobs." in page and 'id="apply-form"' not in page
    response = client.post(job.get_absolute_url(), {"cover_note": "Me!", "price": "90"})
    assert response.status_code == 400
    assert "Verify your email address before applying" in response.content.decode()
    assert not Application.objects.exists()
    verified = FreelancerFactory()
    assert job_apply(actor=verified, job=job, cover_note="Me!", price_cents=9_000).pk
