"""Database triggers that make append-only tables refuse UPDATE (and DELETE on PostgreSQL).

Installed after every `migrate`, because a table rebuild (SQLite alters tables by copying them)
drops triggers. SQLite keeps allowing DELETE because Django's test flush deletes rows there;
on SQLite a deletion is caught by the hash chain and the contract's head pointer instead.
"""

from django.apps import apps
from django.db import connections

from .models.append_only import AppendOnlyModel

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION marketplace_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def append_only_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, AppendOnlyModel) and not model._meta.proxy
    )


def trigger_name(table: str) -> str:
    return f"{table}_append_only"


def install_triggers(using: str = "default") -> list[str]:
    """(Re)create the triggers on every append-only table; returns the tables covered."""
    connection = connections[using]
    tables = append_only_tables()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
            for table in tables:
                name = trigger_name(table)
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
                cursor.execute(
                    f'CREATE TRIGGER "{name}" BEFORE UPDATE OR DELETE ON "{table}" '
                    "FOR EACH ROW EXECUTE FUNCTION marketplace_refuse_change()"
                )
        elif connection.vendor == "sqlite":
            for table in tables:
                name = trigger_name(table)
                cursor.execute(
                    f'CREATE TRIGGER IF NOT EXISTS "{name}" BEFORE UPDATE ON "{table}" '
                    f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: UPDATE refused'); END"
                )
    return tables


def installed_triggers(using: str = "default") -> set[str]:
    """Names of the append-only triggers present in the database."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
                ["%_append_only"],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                ["%_append_only"],
            )
        return {row[0] for row in cursor.fetchall()}
