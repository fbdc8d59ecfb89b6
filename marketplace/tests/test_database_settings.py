"""How the app connects to its database (marketplace.settings.base.database)."""

import pytest

from marketplace.settings.base import database


def test_postgresql_prepares_the_statements_it_repeats(monkeypatch):
    """Server-side parameters and psycopg's threshold: a statement run five times on a
    connection is prepared, so the pages' reads are not planned again on every request."""
    monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    options = database("postgres://app@db:5432/market")["OPTIONS"]
    assert options == {"server_side_binding": True, "prepare_threshold": 5}


def test_prepared_statements_can_be_turned_off_for_a_pooler(monkeypatch):
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "0")
    assert database("postgres://app@db:5432/market").get("OPTIONS", {}) == {}


@pytest.mark.parametrize("url", ["sqlite:///tmp/x.sqlite3"])
def test_sqlite_keeps_its_own_options(url, monkeypatch):
    monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    assert "server_side_binding" not in database(url)["OPTIONS"]
