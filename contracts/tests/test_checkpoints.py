"""Signed checkpoints: record_checkpoint signs every contract head and the ledger head; the
--checkpoint verifiers name what changed before a checkpoint even when a whole chain was
recomputed (the plain verifiers pass then, as they must); forged or retired-key checkpoints
are refused; when a contract ends both parties get its final digest and the checkpoint."""

import base64
import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from contracts.checkpoints import record_checkpoint
from contracts.ledger_checks import ledger_head
from contracts.models import LedgerTransaction
from contracts.services.lifecycle import contract_complete
from contracts.services.messages import message_post
from contracts.services.milestones import milestone_approve
from contracts.tests.factories import make_active_contract, make_funded_contract, make_offer
from marketplace.kernel import checkpoints
from marketplace.kernel.checkpoints import CheckpointError
from marketplace.kernel.models import Event
from marketplace.tests.tamper import (
    recompute_ledger_chain,
    recompute_record_chain,
    sql,
    triggers_dropped,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    settings.CHECKPOINT_DIR = tmp_path / "checkpoints"
    return settings.CHECKPOINT_DIR


@pytest.fixture
def history():
    """Two contracts with a few events each and a ledger with a release."""
    first = make_funded_contract(amounts=(30_000,), submit=1)
    milestone_approve(actor=first.client, milestone=first.milestones.get())
    second = make_active_contract()
    message_post(actor=second.client, contract=second, body="Kick-off on Monday?")
    return first, second


def _run(command, *args) -> tuple[int, str, str]:
    """Run a command; (exit code, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
    except SystemExit as exit_info:
        return exit_info.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _new_key_pair() -> tuple[str, str]:
    key = Ed25519PrivateKey.generate()
    return (base64.b64encode(key.private_bytes_raw()).decode(),
            base64.b64encode(key.public_key().public_bytes_raw()).decode())


# --- making checkpoints -----------------------------------------------------------------------


def test_record_checkpoint_signs_every_head_and_stores_numbered_read_only_files(history, capsys):
    first, second = history
    call_command("record_checkpoint")
    out = capsys.readouterr().out
    assert "checkpoint #1" in out and "2 contract records" in out
    files = checkpoints.checkpoint_files()
    assert [f.name for f in files] == ["checkpoint-00000001.jsonl"]
    assert oct(files[0].stat().st_mode)[-3:] == "444"
    checkpoint = checkpoints.read(files[0])
    checkpoints.check_signature(checkpoint)
    first.refresh_from_db()
    second.refresh_from_db()
    assert checkpoint.heads == [(first.pk, first.record_head_seq, first.record_head_hash),
                                (second.pk, second.record_head_seq, second.record_head_hash)]
    assert checkpoint.ledger_head == ledger_head() != (0, "")
    assert checkpoint.statement["previous"] == ""
    # the next one is numbered after it and names it; the first is never replaced
    later, path = record_checkpoint()
    assert later.number == 2 and later.statement["previous"] == checkpoint.digest
    with pytest.raises(CheckpointError, match="already exists"):
        checkpoints.store(later)
    assert checkpoints.read(path).statement == later.statement


def test_a_key_that_is_not_published_or_is_retired_does_not_sign(history, settings):
    settings.CHECKPOINT_PUBLIC_KEYS = [_new_key_pair()[1]]
    with pytest.raises(CheckpointError, match="is not in CHECKPOINT_PUBLIC_KEYS"):
        record_checkpoint()
    public = base64.b64encode(
        checkpoints.load_private_key(settings.CHECKPOINT_SIGNING_KEY).public_key()
        .public_bytes_raw()).decode()
    settings.CHECKPOINT_PUBLIC_KEYS = [f"{public}@2020-01-01T00:00:00Z"]
    with pytest.raises(CheckpointError, match="was retired on 2020-01-01"):
        record_checkpoint()
    assert checkpoints.checkpoint_files() == []


def test_no_signing_key_is_a_clear_command_error(settings):
    settings.CHECKPOINT_SIGNING_KEY = ""
    with pytest.raises(CommandError, match="set CHECKPOINT_SIGNING_KEY"):
        call_command("record_checkpoint")


def test_keys_load_from_base64_or_pem_and_junk_is_refused():
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    raw = base64.b64encode(key.private_bytes_raw()).decode()
    for text in (pem, raw):
        assert checkpoints.public_key_of(checkpoints.load_private_key(text)) == \
            key.public_key().public_bytes_raw()
    for junk in ("not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(CheckpointError, match="not an Ed25519 private key"):
            checkpoints.load_private_key(junk)
    with pytest.raises(CheckpointError, match="retirement time must be ISO 8601"):
        checkpoints.parse_public_key(raw[:43] + "=@yesterday")


# --- acceptance: a whole chain recomputed after an edit ---------------------------------------


@pytest.mark.breaks_records
def test_a_recomputed_contract_chain_passes_the_plain_check_but_not_the_checkpoint(history):
    first, second = history
    _checkpoint, path = record_checkpoint()
    first.refresh_from_db()
    with triggers_dropped():
        sql("UPDATE marketplace_event SET text = %s WHERE contract_id = %s AND seq = 1",
            ["The client offered twice the amount.", first.pk])
        recompute_record_chain(first.pk)
    # the public chain alone cannot tell: it was recomputed consistently
    code, out, _err = _run("verify_records")
    assert code == 0 and "all 2 contract records intact" in out
    code, _out, err = _run("verify_records", "--checkpoint", path)
    assert code == 1
    assert f"DIVERGED: contract {first.pk}, checkpointed #{first.record_head_seq}: the record " \
           "holds" in err
    assert "this event or one before it changed" in err
    assert f"contract {second.pk}" not in err


@pytest.mark.breaks_records
def test_a_recomputed_ledger_chain_passes_the_plain_check_but_not_the_checkpoint(history):
    checkpoint, path = record_checkpoint()
    seq = checkpoint.ledger_head[0]
    deposit = LedgerTransaction.objects.get(kind="deposit")
    with triggers_dropped():
        sql("UPDATE contracts_ledgertransaction SET memo = %s WHERE id = %s",
            ["Deposit by someone else", deposit.pk])
        recompute_ledger_chain()
    code, out, _err = _run("check_ledger")
    assert code == 0 and "check_ledger: OK" in out
    code, _out, err = _run("check_ledger", "--checkpoint", path)
    assert code == 1
    assert f"DIVERGED: ledger, checkpointed #{seq}: the ledger holds" in err
    assert "this transaction or one before it changed" in err


@pytest.mark.breaks_records
def test_removed_history_is_named_against_the_checkpoint(history):
    _first, second = history
    checkpoint, path = record_checkpoint()
    second.refresh_from_db()
    with triggers_dropped():
        sql("DELETE FROM marketplace_event WHERE contract_id = %s AND seq = %s",
            [second.pk, second.record_head_seq])
        sql("UPDATE contracts_contract SET record_head_seq = record_head_seq - 1, "
            "record_head_hash = (SELECT hash FROM marketplace_event WHERE contract_id = %s "
            "AND seq = %s) WHERE id = %s",
            [second.pk, second.record_head_seq - 1, second.pk])
    code, _out, err = _run("verify_records", "--checkpoint", path)
    assert code == 1
    assert (f"contract {second.pk}, checkpointed #{second.record_head_seq}: the record ends at "
            f"#{second.record_head_seq - 1}, before what the {checkpoint.describe()} signed") in err


def test_history_after_the_checkpoint_and_new_contracts_pass(history):
    first, _second = history
    _checkpoint, path = record_checkpoint()
    message_post(actor=first.freelancer, contract=first, body="Thanks!")
    make_offer()
    code, out, _err = _run("verify_records", "--checkpoint", path)
    assert code == 0 and "all 3 contract records intact; all match checkpoint #1" in out
    code, out, _err = _run("check_ledger", "--checkpoint", path)
    assert code == 0 and "matches checkpoint #1" in out


# --- acceptance: checkpoints that are refused ------------------------------------------------


def _rewrite(path, change) -> str:
    lines = path.read_text().splitlines()
    envelope = json.loads(lines[0])
    change(envelope, lines)
    forged = path.parent / "forged.jsonl"
    forged.write_text("\n".join([json.dumps(envelope), *lines[1:]]) + "\n")
    return str(forged)


@pytest.mark.parametrize("forgery", ["statement", "signature", "heads"])
def test_a_forged_checkpoint_is_refused(history, forgery):
    _checkpoint, path = record_checkpoint()
    path = checkpoints.checkpoint_files()[0]

    def change(envelope, lines):
        if forgery == "statement":  # a head the signer never saw
            envelope["statement"]["ledger"]["hash"] = "0" * 64
        elif forgery == "signature":  # signed by another key under our key's id
            other = Ed25519PrivateKey.generate()
            envelope["signature"] = base64.b64encode(
                other.sign(checkpoints.canonical(envelope["statement"]))).decode()
        else:
            contract_id, seq, _hash = json.loads(lines[1])
            lines[1] = json.dumps([contract_id, seq, "0" * 64])

    forged = _rewrite(path, change)
    for command in ("verify_records", "check_ledger"):
        code, _out, err = _run(command, "--checkpoint", forged)
        assert code == 1 and "REFUSED" in err
        expected = ("its contract heads are not the ones its statement signed"
                    if forgery == "heads" else "its signature does not verify with key")
        assert expected in err


def test_a_checkpoint_signed_after_its_key_retired_is_refused(history, settings):
    checkpoint, path = record_checkpoint()
    public = settings.CHECKPOINT_PUBLIC_KEYS[0]
    retired = checkpoint.created_at - timedelta(minutes=1)
    with override_settings(CHECKPOINT_PUBLIC_KEYS=[f"{public}@{retired.isoformat()}"]):
        code, _out, err = _run("verify_records", "--checkpoint", path)
    assert code == 1
    assert f"signed by key {checkpoint.kid} on {checkpoint.statement['created_at']}, after its " \
           "retirement" in err
    # signed before the retirement: still valid
    later = checkpoint.created_at + timedelta(minutes=1)
    with override_settings(CHECKPOINT_PUBLIC_KEYS=[f"{public}@{later.isoformat()}"]):
        assert _run("verify_records", "--checkpoint", path)[0] == 0
    # a key nobody published
    with override_settings(CHECKPOINT_PUBLIC_KEYS=[_new_key_pair()[1]]):
        code, _out, err = _run("check_ledger", "--checkpoint", path)
    assert code == 1 and "which is not a published key" in err


def test_an_unreadable_file_is_refused(tmp_path):
    junk = tmp_path / "junk.jsonl"
    junk.write_text("hello\n")
    code, _out, err = _run("verify_records", "--checkpoint", str(junk))
    assert code == 1 and "is not a readable checkpoint" in err
    code, _out, err = _run("check_ledger", "--checkpoint", str(tmp_path / "absent.jsonl"))
    assert code == 1 and "cannot read" in err


# --- the parties' own copy ---------------------------------------------------------------------


def test_both_parties_get_the_final_digest_and_the_latest_checkpoint_when_a_contract_ends(
        history, mailoutbox, django_capture_on_commit_callbacks):
    first, _second = history
    checkpoint, _path = record_checkpoint(now=datetime.now(UTC))
    with django_capture_on_commit_callbacks(execute=True):
        contract_complete(actor=first.client, contract=first)
    first.refresh_from_db()
    last = Event.objects.filter(contract=first).order_by("-seq").first()
    assert (first.record_head_seq, first.record_head_hash) == (last.seq, last.hash)
    copies = [m for m in mailoutbox if "keep the email with its record's final digest" in m.subject
              or "final digest" in m.body]
    assert sorted(m.to[0] for m in copies) == sorted([first.client.email, first.freelancer.email])
    for mail in copies:
        assert f"ends at event #{last.seq}" in mail.body and last.hash in mail.body
        envelope = next(line for line in mail.body.splitlines() if line.startswith("{"))
        kept = checkpoints.parse(envelope)  # the statement alone, as the party keeps it
        assert kept.statement == checkpoint.statement and kept.signature == checkpoint.signature


def test_without_any_checkpoint_the_mail_says_the_digest_is_the_anchor(
        history, mailoutbox, django_capture_on_commit_callbacks):
    first, _second = history
    with django_capture_on_commit_callbacks(execute=True):
        contract_complete(actor=first.client, contract=first)
    bodies = [m.body for m in mailoutbox if "final SHA-256" in m.body or "ends at event" in m.body]
    assert len(bodies) == 2
    assert all("No signed checkpoint could be included" in body for body in bodies)


def test_an_offer_that_ends_unanswered_sends_no_record_copy(mailoutbox,
                                                            django_capture_on_commit_callbacks):
    from contracts.services.offers import offer_decline

    offer = make_offer()
    with django_capture_on_commit_callbacks(execute=True):
        offer_decline(actor=offer.freelancer, contract=offer)
    assert not [m for m in mailoutbox if "ends at event" in m.body]


def test_the_policy_page_publishes_the_keys_and_their_retirement(client, settings):
    _retired_private, retired_public = _new_key_pair()
    current = settings.CHECKPOINT_PUBLIC_KEYS[0]
    settings.CHECKPOINT_PUBLIC_KEYS = [current, f"{retired_public}@2026-01-01T00:00:00Z"]
    body = client.get("/policy/").content.decode()
    for public in (current, retired_public):
        key = checkpoints.parse_public_key(public)
        assert key.kid in body and public in body
    assert "retired on" in body and "in use" in body


def test_an_unreadable_checkpoint_folder_never_stops_a_contract_from_ending(
        history, monkeypatch, mailoutbox, django_capture_on_commit_callbacks):
    first, _second = history
    record_checkpoint()

    def refuse(*args, **kwargs):
        raise PermissionError("not for the web app")

    monkeypatch.setattr(checkpoints.Path, "open", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        contract_complete(actor=first.client, contract=first)
    bodies = [m.body for m in mailoutbox if "ends at event" in m.body]
    assert len(bodies) == 2 and "No signed checkpoint could be included" in bodies[0]


def test_malformed_public_keys_stop_the_start_up_checks(settings):
    settings.CHECKPOINT_PUBLIC_KEYS = ["not-a-key"]
    with pytest.raises(SystemCheckError, match=r"marketplace\.E001"):
        call_command("check")
