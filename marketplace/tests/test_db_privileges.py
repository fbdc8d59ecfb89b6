"""Least privilege on PostgreSQL: the owner created and migrated the test database (granting
the app role its privileges); here a connection as the app role shows every refusal, and the
grants of every table are compared with what its model declares."""

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from conftest import IS_POSTGRES
from marketplace.kernel.db_privileges import (
    APPEND_ONLY,
    DISPOSABLE,
    KEPT,
    READ_ONLY,
    TABLE_PRIVILEGES,
    declared_privileges,
    expected_grants,
    table_models,
    undeclared,
)
from marketplace.kernel.db_triggers import append_only_tables, trigger_name
from marketplace.kernel.models import AppendOnlyModel

ROLE = settings.DATABASE_APP_ROLE
needs_app_role = pytest.mark.skipif(
    not (IS_POSTGRES and ROLE),
    reason="needs PostgreSQL with an app role of its own (DATABASE_URL) besides the owner "
           "(MIGRATE_DATABASE_URL); .ci/run sets both")


def _tables_with(privileges) -> list[str]:
    return sorted(t for t, p in expected_grants().items() if p == privileges)


# --- declarations: checked on every database ------------------------------------------------


def test_every_model_declares_what_the_app_role_may_do():
    assert undeclared() == [], (
        "these models declare no db_privileges: give each a class attribute db_privileges = "
        "READ_ONLY, APPEND_ONLY, KEPT or DISPOSABLE (marketplace.kernel.db_privileges)")


def test_a_model_without_a_declaration_is_named_undeclared():
    class Meta:
        label = "example.Thing"

    class Thing:
        _meta = Meta

    assert declared_privileges(Thing) is None


def test_append_only_models_get_select_and_insert_only():
    append_only = [m for m in table_models() if issubclass(m, AppendOnlyModel)]
    assert {m._meta.db_table for m in append_only} == set(append_only_tables())
    assert {m._meta.label: declared_privileges(m) for m in append_only} == {
        m._meta.label: APPEND_ONLY for m in append_only}
    assert {"marketplace_event", "contracts_entry", "contracts_ledgertransaction",
            "contracts_deposit", "contracts_withdrawal"} <= set(_tables_with(APPEND_ONLY))


def test_no_table_of_the_record_or_the_money_can_lose_rows():
    for table in ("contracts_contract", "contracts_account", "contracts_ledgerhead",
                  "contracts_milestone", "marketplace_user"):
        assert expected_grants()[table] == KEPT
    assert "DELETE" not in KEPT and "TRUNCATE" not in DISPOSABLE


def test_db_grants_needs_postgresql_and_a_role(settings):
    settings.DATABASE_APP_ROLE = ""
    with pytest.raises(CommandError, match="No separate app role"):
        call_command("db_grants")
    if not IS_POSTGRES:
        with pytest.raises(CommandError, match="PostgreSQL only"):
            call_command("db_grants", "--role", "someone")


# --- PostgreSQL: the grants as they are -----------------------------------------------------


def _privileges_by_table() -> dict[str, tuple[str, set[str]]]:
    checks = ", ".join(f"has_table_privilege(%s, c.oid, '{p}')" for p in TABLE_PRIVILEGES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.relname, pg_get_userbyid(c.relowner), {checks} FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm')",
            [ROLE] * len(TABLE_PRIVILEGES))
        return {row[0]: (row[1], {p for p, held in zip(TABLE_PRIVILEGES, row[2:], strict=True)
                                  if held}) for row in cursor.fetchall()}


@needs_app_role
@pytest.mark.django_db
def test_every_table_has_exactly_its_declared_grants():
    expected = expected_grants()
    found = _privileges_by_table()
    problems = []
    for table, (owner, held) in sorted(found.items()):
        if owner == ROLE:
            problems.append(f"{table} is owned by the app role {ROLE}")
        if table not in expected:
            problems.append(f"{table} belongs to no model and is not listed in "
                            "db_privileges.OTHER_TABLES: declare what the app may do with it")
        elif expected[table] is None:
            problems.append(f"{table}: its model declares no db_privileges")
        elif held != set(expected[table]):
            problems.append(f"{table}: the app role holds {sorted(held)}, its declaration "
                            f"says {sorted(expected[table])}")
    assert not problems, "\n".join(problems)
    assert set(found) >= {t for t, p in expected.items() if p}  # every declared table exists


@needs_app_role
@pytest.mark.django_db
def test_no_column_sequence_schema_or_role_privilege_beyond_the_tables():
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name, privilege_type FROM information_schema.column_privileges "
                       "WHERE grantee = %s AND table_schema = current_schema()", [ROLE])
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'S' AND "
            "(has_sequence_privilege(%s, c.oid, 'USAGE') OR has_sequence_privilege(%s, c.oid, "
            "'UPDATE') OR has_sequence_privilege(%s, c.oid, 'SELECT'))", [ROLE] * 3)
        sequences = cursor.fetchall()
        cursor.execute("SELECT has_schema_privilege(%s, current_schema(), 'CREATE'), "
                       "pg_has_role(%s, %s, 'MEMBER'), "
                       "(SELECT rolsuper OR rolcreaterole OR rolbypassrls FROM pg_roles "
                       " WHERE rolname = %s)",
                       [ROLE, ROLE, connection.settings_dict["USER"], ROLE])
        create, member_of_owner, powerful = cursor.fetchone()
    # Column grants are not seen by has_table_privilege: any would widen a table's rights.
    table_level = {(t, p) for t, (_o, held) in _privileges_by_table().items() for p in held}
    assert [c for c in columns if c not in table_level] == []
    assert sequences == []  # identity columns need none; setval/nextval stay the owner's
    assert (create, member_of_owner, powerful) == (False, False, False)


@needs_app_role
@pytest.mark.django_db
def test_the_suite_runs_as_the_app_role_and_the_owner_only_where_marked():
    """Every test in a transaction acts as the app role (conftest.as_app_role), so the whole
    suite proves the declared privileges are enough for what the app does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, session_user")
        assert cursor.fetchone() == (ROLE, connection.settings_dict["USER"])


@needs_app_role
@pytest.mark.as_owner
@pytest.mark.django_db
def test_a_test_marked_as_owner_runs_as_the_owner():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == connection.settings_dict["USER"] != ROLE


@needs_app_role
@pytest.mark.django_db
def test_db_grants_prints_what_migrate_applied(capsys):
    call_command("db_grants")
    out = capsys.readouterr().out
    assert f'GRANT SELECT, INSERT ON TABLE "marketplace_event" TO "{ROLE}";' in out
    assert f'GRANT SELECT, INSERT, UPDATE ON TABLE "contracts_contract" TO "{ROLE}";' in out
    assert f'REVOKE ALL ON TABLE "contracts_entry" FROM "{ROLE}";' in out
    assert "TRUNCATE" not in out


# --- PostgreSQL: as the app role, every refusal -----------------------------------------------


@pytest.fixture
def app_role_connection(db):
    """A connection to the test database as the app role, outside the test's transaction."""
    app = settings.APP_DATABASE
    owner = connection.settings_dict
    with psycopg.connect(dbname=owner["NAME"], user=app["USER"], password=app["PASSWORD"] or None,
                         host=app["HOST"] or "127.0.0.1", port=app["PORT"] or 5432,
                         autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == ROLE
        yield conn


def _refused(conn, statement: str, message: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match=message):
        conn.execute(statement)


@needs_app_role
@pytest.mark.parametrize("table", append_only_tables())
def test_app_role_cannot_change_remove_or_unprotect_append_only_rows(app_role_connection, table):
    conn = app_role_connection
    conn.execute(f'SELECT count(*) FROM "{table}"')  # reading is allowed
    _refused(conn, f'UPDATE "{table}" SET id = id WHERE false', f"permission denied for table {table}")
    _refused(conn, f'DELETE FROM "{table}" WHERE false', f"permission denied for table {table}")
    _refused(conn, f'TRUNCATE "{table}"', f"permission denied for table {table}")
    _refused(conn, f'DROP TRIGGER "{trigger_name(table)}" ON "{table}"', "must be owner")
    _refused(conn, f'ALTER TABLE "{table}" DISABLE TRIGGER ALL', "must be owner")


@needs_app_role
@pytest.mark.parametrize("table", _tables_with(KEPT) + _tables_with(READ_ONLY)
                         + _tables_with(DISPOSABLE))
def test_app_role_cannot_empty_any_table_nor_delete_kept_rows(app_role_connection, table):
    conn = app_role_connection
    _refused(conn, f'TRUNCATE "{table}"', f"permission denied for table {table}")
    if "DELETE" not in expected_grants()[table]:
        _refused(conn, f'DELETE FROM "{table}" WHERE false', f"permission denied for table {table}")
    if "INSERT" not in expected_grants()[table]:
        _refused(conn, f'INSERT INTO "{table}" SELECT * FROM "{table}" WHERE false',
                 f"permission denied for table {table}")


@needs_app_role
def test_app_role_has_no_ddl_and_cannot_switch_off_the_defences(app_role_connection):
    conn = app_role_connection
    _refused(conn, "CREATE TABLE evil (id int)", "permission denied for schema public")
    _refused(conn, "DROP TABLE contracts_entry", "must be owner")
    _refused(conn, "ALTER TABLE contracts_contract ADD COLUMN evil int", "must be owner")
    _refused(conn, "CREATE INDEX evil ON contracts_contract (title)", "must be owner")
    # replacing the trigger function with one that lets everything through
    _refused(conn, "CREATE OR REPLACE FUNCTION marketplace_refuse_change() RETURNS trigger AS "
                   "$$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql", "permission denied|must be owner")
    # skipping triggers for the session
    _refused(conn, "SET session_replication_role = replica", "permission denied")
    _refused(conn, f'SET ROLE "{connection.settings_dict["USER"]}"', "permission denied")
    _refused(conn, "SELECT setval(pg_get_serial_sequence('contracts_ledgertransaction', 'id'), 1)",
             "permission denied for sequence")
    # the app role still works: it may insert where its models say so
    conn.execute("SELECT count(*) FROM contracts_ledgertransaction")
