"""What an attacker with the database owner's rights can do, for the tests that prove the
checks catch it: drop the append-only triggers, rewrite rows, recompute chains."""

from contextlib import contextmanager

from django.db import connection

from marketplace.kernel.db_triggers import append_only_tables, install_triggers, trigger_name


def drop_trigger(table: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'DROP TRIGGER IF EXISTS "{trigger_name(table)}" ON "{table}"')
        else:
            cursor.execute(f'DROP TRIGGER IF EXISTS "{trigger_name(table)}"')


@contextmanager
def triggers_dropped():
    """Every append-only trigger dropped for the block, as the owner could; put back after."""
    for table in append_only_tables():
        drop_trigger(table)
    try:
        yield
    finally:
        install_triggers()


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))
