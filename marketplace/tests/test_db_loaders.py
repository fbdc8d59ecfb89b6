"""PostgreSQL timestamps are read with psycopg's compiled loader (kernel.db_loaders), and
read exactly as Django's own loader reads them: aware, in UTC, to the microsecond."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone
from psycopg.pq import Format

from marketplace.kernel.db_loaders import UtcTimestamptzLoader
from marketplace.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                      reason="PostgreSQL's loaders")


@needs_postgresql
def test_connections_read_timestamps_with_the_compiled_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(1184, Format.TEXT)
    assert loader is UtcTimestamptzLoader
    with connection.cursor() as cursor:  # Django's cursor keeps it (same zone)
        assert cursor.cursor.adapters.get_loader(1184, Format.TEXT) is UtcTimestamptzLoader


@needs_postgresql
def test_values_are_those_djangos_loader_gives():
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    user = ClientFactory()
    moments = [datetime.datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=datetime.UTC),
               timezone.now(), datetime.datetime(1999, 12, 31, 23, 0, tzinfo=datetime.UTC)]
    for moment in moments:
        user.last_login = moment
        user.save(update_fields=["last_login"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT last_login FROM marketplace_user WHERE id = %s", [user.pk])
            compiled = cursor.fetchone()[0]
            register_tzloader(datetime.UTC, cursor.cursor)  # Django's own, on this cursor
            cursor.execute("SELECT last_login FROM marketplace_user WHERE id = %s", [user.pk])
            djangos = cursor.fetchone()[0]
        assert compiled == djangos == moment and compiled.tzinfo is datetime.UTC
