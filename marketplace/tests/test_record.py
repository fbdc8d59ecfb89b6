"""The tamper-evident record: chain, head pointer, append-only models and database triggers."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from conftest import IS_POSTGRES, postgres_only
from contracts.tests.factories import make_active_contract, make_offer
from marketplace.kernel.db_triggers import (
    append_only_tables,
    install_triggers,
    installed_triggers,
    trigger_name,
)
from marketplace.kernel.models import Event
from marketplace.kernel.models.append_only import AppendOnlyError
from marketplace.kernel.models.record import GENESIS_HASH
from marketplace.kernel.services.record import verify_chain


def _drop_trigger(table):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'DROP TRIGGER IF EXISTS "{trigger_name(table)}" ON "{table}"')
        else:
            cursor.execute(f'DROP TRIGGER IF EXISTS "{trigger_name(table)}"')


@pytest.mark.django_db
def test_chain_links_every_event_and_contract_holds_the_head():
    contract = make_active_contract()
    events = list(Event.objects.filter(contract=contract).order_by("seq"))
    assert [e.seq for e in events] == [1, 2]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert all(e.hash == e.compute_hash() for e in events)
    contract.refresh_from_db()
    assert (contract.record_head_seq, contract.record_head_hash) == (2, events[1].hash)
    assert verify_chain(contract) is None


@pytest.mark.django_db
def test_models_refuse_update_and_delete():
    event = Event.objects.filter(contract=make_offer()).get()
    event.text = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.django_db
def test_triggers_exist_after_migrate_on_every_append_only_table():
    tables = append_only_tables()
    assert {"marketplace_event", "contracts_message", "contracts_attachment"} <= set(tables)
    assert installed_triggers() == {trigger_name(t) for t in tables}


@pytest.mark.as_owner  # installing triggers is DDL
@pytest.mark.django_db
def test_install_triggers_is_repeatable():
    install_triggers()
    install_triggers()
    assert installed_triggers() == {trigger_name(t) for t in append_only_tables()}


@pytest.mark.as_owner  # the trigger, not the app role's privileges, is tested
@pytest.mark.django_db
def test_database_refuses_raw_update_of_an_event():
    event = Event.objects.filter(contract=make_offer()).get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE marketplace_event SET text = %s WHERE id = %s", ["forged", event.pk])
    event.refresh_from_db()
    assert event.text != "forged"


@pytest.mark.as_owner  # the trigger, not the app role's privileges, is tested
@postgres_only
@pytest.mark.django_db
def test_database_refuses_raw_delete_of_an_event_on_postgresql():
    event = Event.objects.filter(contract=make_offer()).get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM marketplace_event WHERE id = %s", [event.pk])
    assert Event.objects.filter(pk=event.pk).exists()


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite allows DELETE (Django's test flush needs it)")
@pytest.mark.django_db
def test_sqlite_keeps_delete_open_for_the_test_flush():
    assert connection.vendor == "sqlite"


@pytest.mark.breaks_records
@pytest.mark.django_db
def test_verify_records_names_an_altered_event(capsys):
    contract = make_active_contract()
    other = make_offer()
    _drop_trigger("marketplace_event")
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE marketplace_event SET text = %s WHERE contract_id = %s AND seq = 1",
                ["The freelancer offered to work for free.", contract.pk],
            )
        with pytest.raises(SystemExit) as exit_info:
            call_command("verify_records")
        assert exit_info.value.code == 1
        err = capsys.readouterr().err
        assert f"contract {contract.pk}, event #1: content altered" in err
        assert f"contract {other.pk}" not in err
    finally:
        install_triggers()


@pytest.mark.breaks_records
@pytest.mark.django_db
def test_verify_records_names_a_removed_tail_and_a_removed_middle(capsys):
    tail = make_active_contract()
    middle = make_active_contract()
    from contracts.services.messages import message_post

    message_post(actor=middle.client, contract=middle, body="Kick-off on Monday?")
    _drop_trigger("marketplace_event")
    try:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM marketplace_event WHERE contract_id = %s AND seq = 2",
                           [tail.pk])
            cursor.execute("DELETE FROM marketplace_event WHERE contract_id = %s AND seq = 2",
                           [middle.pk])
        with pytest.raises(SystemExit):
            call_command("verify_records")
        err = capsys.readouterr().err
        assert f"contract {tail.pk}, head: head points to #2 but the chain ends at #1" in err
        assert f"contract {middle.pk}, event #2: missing (found #3 next)" in err
    finally:
        install_triggers()


@pytest.mark.django_db
def test_verify_records_passes_on_intact_records(capsys):
    make_active_contract()
    make_offer()
    call_command("verify_records")
    assert "all 2 contract records intact" in capsys.readouterr().out
