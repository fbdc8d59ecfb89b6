"""What an attacker with the database owner's rights can do, for the tests that prove the
checks catch it: drop the append-only triggers, rewrite rows, recompute chains."""

from contextlib import contextmanager
from dataclasses import replace

from django.db import connection

from contracts.ledger_checks import chained_transactions
from contracts.models import Contract, LedgerHead
from marketplace.kernel.db_triggers import append_only_tables, install_triggers, trigger_name
from marketplace.kernel.models import Event
from marketplace.kernel.models.record import GENESIS_HASH


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


def recompute_record_chain(contract_id: int) -> None:
    """Relink a contract's whole chain from its (edited) rows and move its head, so that the
    plain verifier passes again: what the signed checkpoints exist to catch."""
    prev = GENESIS_HASH
    for event in Event.objects.filter(contract_id=contract_id).order_by("seq"):
        event.prev_hash = prev
        event.hash = event.compute_hash()
        sql("UPDATE marketplace_event SET prev_hash = %s, hash = %s WHERE id = %s",
            [event.prev_hash, event.hash, event.pk])
        prev = event.hash
    Contract.objects.filter(pk=contract_id).update(record_head_hash=prev)


def recompute_ledger_chain() -> None:
    """Relink the whole ledger chain from its (edited) rows and move its head."""
    prev, seq = GENESIS_HASH, 0
    for txn in list(chained_transactions()):
        new_hash = replace(txn, prev_hash=prev).computed_hash()
        sql("UPDATE contracts_ledgertransaction SET prev_hash = %s, hash = %s WHERE seq = %s",
            [prev, new_hash, txn.seq])
        prev, seq = new_hash, txn.seq
    LedgerHead.objects.filter(pk=1).update(seq=seq, hash=prev)
