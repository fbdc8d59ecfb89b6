"""The scores the directory and the job board rank by (User.ranked_score, Job.client_score)
are copies the database keeps in the statement that writes a reputation row (reputation.
ranks): whichever way a score is written, removed or rebuilt, and whatever a save of a whole
user or job carries, each copy equals its reputation row's score."""

import pytest
from django.db import connection

from marketplace.kernel.models import User
from marketplace.tests.factories import ClientFactory, FreelancerFactory
from reputation.models import Job, Reputation
from reputation.services.scores import recompute_all, reputation_refresh

pytestmark = pytest.mark.django_db(transaction=False)


def a_job(client, **kwargs) -> Job:
    return Job.objects.create(client=client, title="Build a shop", description="d",
                              budget_cents=100, **kwargs)


def copies() -> tuple[dict, dict]:
    """(user id -> ranked_score, job id -> client_score), as the database holds them."""
    return (dict(User.objects.values_list("id", "ranked_score")),
            dict(Job.objects.values_list("id", "client_score")))


def expected() -> tuple[dict, dict]:
    scores = dict(Reputation.objects.values_list("user_id", "score"))
    return ({pk: scores.get(pk) for pk in User.objects.values_list("id", flat=True)},
            {pk: scores.get(client) for pk, client in Job.objects.values_list("id", "client_id")})


def test_every_way_of_writing_a_score_is_copied():
    carla, dora = ClientFactory(), ClientFactory()
    bob = FreelancerFactory()
    job = a_job(carla)
    Reputation.objects.create(user=carla, role="client", score=83)  # an insert
    Reputation.objects.create(user=bob, role="freelancer", score=60)
    assert copies() == expected() and Job.objects.get(pk=job.pk).client_score == 83
    assert User.objects.get(pk=bob.pk).ranked_score == 60

    Reputation.objects.filter(user=carla).update(score=12)  # an update of several columns
    later = a_job(carla)  # a job posted after the score exists takes it
    a_job(dora)  # no score: none copied
    assert copies() == expected() and Job.objects.get(pk=later.pk).client_score == 12

    Reputation.objects.filter(user=bob).delete()  # a removed score leaves no copy
    assert copies() == expected() and User.objects.get(pk=bob.pk).ranked_score is None

    reputation_refresh(user=carla)  # the service (its score from the record: none yet)
    assert copies() == expected()


def test_the_bulk_rebuild_is_copied():
    """recompute_reputation empties the table and writes it again (COPY on PostgreSQL)."""
    clients = [ClientFactory() for _ in range(3)]
    for client in clients:
        a_job(client)
        Reputation.objects.create(user=client, role="client", score=99)  # before the rebuild
    recompute_all()
    assert copies() == expected()
    assert set(Job.objects.values_list("client_score", flat=True)) == {
        Reputation.objects.get(user=clients[0]).score}


def test_a_save_of_a_whole_user_or_job_cannot_write_a_stale_copy():
    carla = ClientFactory()
    job = a_job(carla)
    stale_user, stale_job = User.objects.get(pk=carla.pk), Job.objects.get(pk=job.pk)
    Reputation.objects.create(user=carla, role="client", score=70)
    stale_user.first_name = "Carla"
    stale_user.save()  # carries ranked_score=None, read before the score existed
    stale_job.title = "Build a bigger shop"
    stale_job.save()
    assert (User.objects.get(pk=carla.pk).ranked_score, Job.objects.get(pk=job.pk).client_score) \
        == (70, 70)
    assert copies() == expected()


def test_the_triggers_are_installed_by_migrate():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'reputation_%%'")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE 'reputation_%%'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"reputation_scores_inserted", "reputation_scores_updated",
            "reputation_scores_deleted"} <= names
