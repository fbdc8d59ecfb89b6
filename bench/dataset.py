"""Bulk data for the benchmarks, written with PostgreSQL COPY (never through the services one
object at a time): users, contracts with hash-chained events, due items with a consistent
ledger, and a large history of ended contracts with feedback.

Every row is valid: chains verify, the ledger balances, states are legal. Ids are assigned
here (so rows can refer to each other) and the identity sequences are moved past them.
"""

import hashlib
import json
import random
from datetime import UTC, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection

from contracts.ledger_chain import Leg, account_label, transaction_hash
from contracts.models import Account, LedgerHead
from marketplace.kernel.models.record import GENESIS_HASH

SKILLS = ["Django", "Python", "PostgreSQL", "React", "TypeScript", "Figma", "Docker", "AWS",
          "SQL", "Go", "Rust", "Flutter", "Kotlin", "Swift", "Copywriting", "SEO", "Data",
          "Airflow", "Accessibility", "CSS"]
NOW = datetime.now(UTC)


def _copy(table: str, columns: list[str], rows) -> int:
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


def _fix_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")


def users(n: int, prefix: str) -> tuple[list[int], list[int]]:
    """n users, half clients, half freelancers, one password hash for all."""
    password = make_password("bench-pass-123")
    start = _next_id("marketplace_user")
    rng = random.Random(prefix)
    rows = []
    for i in range(n):
        role = "client" if i % 2 == 0 else "freelancer"
        skills = ", ".join(rng.sample(SKILLS, 3)) if role == "freelancer" else ""
        headline = "Developer" if role == "freelancer" else ""
        search = " ".join([f"{prefix}{i}", f"First{i}", f"Last{i}", headline, skills, ""]).lower()
        rows.append((start + i, password, None, False, f"{prefix}{i}", f"First{i}", f"Last{i}",
                     f"{prefix}{i}@bench.invalid", False, True, NOW, role, "UTC",
                     headline, "", skills, None, search))
    _copy("marketplace_user",
          ["id", "password", "last_login", "is_superuser", "username", "first_name", "last_name",
           "email", "is_staff", "is_active", "date_joined", "role", "timezone", "headline", "bio",
           "skills", "closed_at", "search_text"], rows)
    _fix_sequence("marketplace_user")
    ids = [r[0] for r in rows]
    return ids[0::2], ids[1::2]


def _event_rows(contract_id: int, count: int, actors: tuple[int, int], start: datetime):
    prev, rows = GENESIS_HASH, []
    for seq in range(1, count + 1):
        created = start + timedelta(minutes=seq)
        actor = actors[seq % 2]
        text = f"Benchmark event {seq}: a message about the work."
        content = {"contract": contract_id, "seq": seq,
                   "created_at": created.isoformat(timespec="microseconds"), "actor": actor,
                   "kind": "message.posted", "subject_type": "", "subject_id": None,
                   "from_state": "", "to_state": "", "text": text, "data": {}, "prev_hash": prev}
        digest = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"),
                                           ensure_ascii=False).encode()).hexdigest()
        rows.append((contract_id, seq, created, actor, "message.posted", "", None, "", "",
                     text, "{}", prev, digest))
        prev = digest
    return rows, prev


EVENT_COLUMNS = ["contract_id", "seq", "created_at", "actor_id", "kind", "subject_type",
                 "subject_id", "from_state", "to_state", "text", "data", "prev_hash", "hash"]
CONTRACT_COLUMNS = ["id", "client_id", "freelancer_id", "title", "description", "state",
                    "created_at", "accepted_at", "ended_at", "last_activity_at",
                    "record_head_seq", "record_head_hash", "deadline_at", "reminder_half_at",
                    "reminder_last_at"]
MILESTONE_COLUMNS = ["contract_id", "position", "title", "amount_cents", "due_date", "state",
                     "funded_at", "submitted_at", "released_at", "paused_remaining", "fee_cents",
                     "settled_to_freelancer_cents", "settled_to_client_cents", "deadline_at",
                     "reminder_half_at", "reminder_last_at"]


def contracts_with_events(clients, freelancers, n: int, events_each: int, seed: str = "pages"):
    """n active contracts (two pending milestones each) with `events_each` chained events."""
    rng = random.Random(seed)
    start_id = _next_id("contracts_contract")
    contract_rows, event_rows, milestone_rows = [], [], []
    for i in range(n):
        cid = start_id + i
        client, freelancer = rng.choice(clients), rng.choice(freelancers)
        began = NOW - timedelta(days=rng.randint(1, 60))
        events, head = _event_rows(cid, events_each, (client, freelancer), began)
        event_rows.append(events)
        contract_rows.append((cid, client, freelancer, f"Bench contract {i}", "Scope of work.",
                              "active", began, began, None, began, events_each, head, None, None,
                              None))
        for position in (1, 2):
            milestone_rows.append((cid, position, f"Part {position}", 10_000 * position, None,
                                   "pending", None, None, None, None, 0, None, None, None, None,
                                   None))
    _copy("contracts_contract", CONTRACT_COLUMNS, contract_rows)
    _fix_sequence("contracts_contract")
    _copy("contracts_milestone", MILESTONE_COLUMNS, milestone_rows)
    _fix_sequence("contracts_milestone")
    _copy("marketplace_event", EVENT_COLUMNS, (row for rows in event_rows for row in rows))
    _fix_sequence("marketplace_event")
    return [r[0] for r in contract_rows]


def reputations(user_ids, seed: str = "scores"):
    rng = random.Random(seed)
    rows = [(uid, "freelancer", rng.randint(30, 100), 5, 4, 1, 0, 0, 0, 0, 3, 12, "[]", NOW)
            for uid in user_ids]
    _copy("reputation_reputation",
          ["user_id", "role", "score", "contracts_ended", "completed", "cancelled",
           "at_fault_cancellations", "timeouts", "disputes_lost", "without_communication",
           "rating_count", "rating_sum", "explanation", "computed_at"], rows)
    _fix_sequence("reputation_reputation")


def _account_ids(kind: str, owner_column: str, owners) -> dict:
    start = _next_id("contracts_account")
    rows = [(start + i, kind, owner if owner_column == "user_id" else None,
             owner if owner_column == "contract_id" else None, 0) for i, owner in enumerate(owners)]
    _copy("contracts_account", ["id", "kind", "user_id", "contract_id", "balance_cents"], rows)
    _fix_sequence("contracts_account")
    return {owner: start + i for i, owner in enumerate(owners)}


def due_items(clients, freelancers, offers: int, releases: int, seed: str = "due"):
    """`offers` offers past their answer deadline, and `releases` submitted milestones past
    their review period on active contracts, each paid into escrow by a real deposit and
    funding in the ledger (so check_ledger holds before and after the sweep)."""
    rng = random.Random(seed)
    past = NOW - timedelta(minutes=5)
    start_id = _next_id("contracts_contract")
    contract_rows, milestone_rows = [], []
    for i in range(offers + releases):
        cid = start_id + i
        client, freelancer = rng.choice(clients), rng.choice(freelancers)
        offered = i < offers
        contract_rows.append((cid, client, freelancer, f"Due {i}", "Scope.",
                              "offered" if offered else "active", NOW - timedelta(days=20),
                              None if offered else NOW - timedelta(days=19), None,
                              NOW - timedelta(days=1), 0, "", past if offered else None, None, None))
        milestone_rows.append((cid, 1, "Delivery", 12_345, None,
                               "pending" if offered else "submitted", None if offered else past,
                               None if offered else past, None, None, 0, None, None,
                               None if offered else past, None, None))
    _copy("contracts_contract", CONTRACT_COLUMNS, contract_rows)
    _fix_sequence("contracts_contract")
    _copy("contracts_milestone", MILESTONE_COLUMNS, milestone_rows)
    _fix_sequence("contracts_milestone")
    funded = [r for r in contract_rows if r[5] == "active"]
    _fund_in_the_ledger(funded)
    return len(contract_rows)


def _fund_in_the_ledger(funded) -> None:
    """Each funded contract's client deposits 123.45 (with its Deposit row) and funds the
    milestone: two links of the ledger chain each, after the current head."""
    external, _ = Account.objects.get_or_create(kind="external")
    escrows = _account_ids("escrow", "contract_id", [r[0] for r in funded])
    wallets = dict(Account.objects.filter(kind="wallet").values_list("user_id", "pk"))
    balances = dict(Account.objects.filter(kind="wallet").values_list("user_id", "balance_cents"))
    clients_needed = sorted({r[1] for r in funded} - set(wallets))
    wallets.update(_account_ids("wallet", "user_id", clients_needed))
    head = LedgerHead.objects.filter(pk=1).values_list("seq", "hash").first() or (0, GENESIS_HASH)
    seq, prev = head
    txn_start = _next_id("contracts_ledgertransaction")
    txns, entries, deposits = [], [], []
    at = NOW - timedelta(days=19)

    def link(txn_id, kind, memo, contract_id, client, key, legs):
        nonlocal seq, prev
        seq += 1
        digest = transaction_hash(
            seq=seq, prev_hash=prev, kind=kind, created_at=at, memo=memo, contract_id=contract_id,
            milestone_id=None, initiated_by_id=client, idempotency_key=key,
            legs=[Leg(label, cents, after) for _account, label, cents, after in legs])
        txns.append((txn_id, seq, kind, at, memo, contract_id, None, client, key, prev, digest))
        entries.extend((txn_id, account, cents, after) for account, _label, cents, after in legs)
        prev = digest

    for i, row in enumerate(funded):
        cid, client = row[0], row[1]
        deposit_id, funding_id = txn_start + 2 * i, txn_start + 2 * i + 1
        wallet, before = wallets[client], balances.get(client, 0)
        key = f"bench-{deposit_id}"
        link(deposit_id, "deposit", "Bench deposit", None, client, key,
             [(external.pk, "external", -12_345, None),
              (wallet, account_label("wallet", client, None), 12_345, before + 12_345)])
        link(funding_id, "funding", "Bench funding", cid, client, "",
             [(wallet, account_label("wallet", client, None), -12_345, before),
              (escrows[cid], account_label("escrow", None, cid), 12_345, 12_345)])
        deposits.append((client, 12_345, f"bench-deposit-{deposit_id}", key, deposit_id, at))
    _copy("contracts_ledgertransaction",
          ["id", "seq", "kind", "created_at", "memo", "contract_id", "milestone_id",
           "initiated_by_id", "idempotency_key", "prev_hash", "hash"], txns)
    _fix_sequence("contracts_ledgertransaction")
    _copy("contracts_entry", ["transaction_id", "account_id", "amount_cents", "balance_after_cents"],
          entries)
    _fix_sequence("contracts_entry")
    _copy("contracts_deposit", ["user_id", "amount_cents", "provider_reference",
                                "idempotency_key", "transaction_id", "created_at"], deposits)
    _fix_sequence("contracts_deposit")
    LedgerHead.objects.update_or_create(pk=1, defaults={"seq": seq, "hash": prev})
    with connection.cursor() as cursor:
        cursor.execute("UPDATE contracts_account SET balance_cents = 12345 WHERE kind = 'escrow' "
                       "AND contract_id = ANY(%s)", [[r[0] for r in funded]])


def ended_history(clients, freelancers, contracts: int, seed: str = "history"):
    """`contracts` ended contracts (completed, or cancelled with a settlement's fault), two
    revealed feedback rows each, some timeouts and lost disputes: the reputation workload."""
    rng = random.Random(seed)
    start_id = _next_id("contracts_contract")
    contract_rows, settlements, feedback, requests, disputes = [], [], [], [], []
    request_id = _next_id("disputes_cancellationrequest")
    for i in range(contracts):
        cid = start_id + i
        client, freelancer = rng.choice(clients), rng.choice(freelancers)
        ended = NOW - timedelta(days=rng.randint(20, 900), minutes=i % 1440)
        cancelled = rng.random() < 0.15
        contract_rows.append((cid, client, freelancer, f"Past {i}", "Done.",
                              "cancelled" if cancelled else "completed", ended - timedelta(days=30),
                              ended - timedelta(days=29), ended, ended, 0, "", None, None, None))
        if cancelled:
            fault = rng.choice(["client", "freelancer", "none"])
            settlements.append((cid, 0, 0, 0, 0, fault, f"cancellation:{request_id}", "bench", None, ended))
            timeout = rng.random() < 0.2
            requests.append((request_id, cid, client, "client", "mutual", "Bench.",
                             "auto_accepted" if timeout else "accepted", 0, fault, fault, client,
                             None, 0, 0, 0, 0, ended, None, "", None, ended,
                             rng.choice(["client", "freelancer"]) if timeout else "", None, None, None))
            if rng.random() < 0.1:
                disputes.append((cid, request_id, "cancellation", freelancer, "Bench.", "decided",
                                 ended, "{}", None, None, None, None, None, None, 1, None, ended,
                                 "cancel", fault, fault if fault != "none" else "", "arbitration",
                                 "[]", None, None, None, None))
            request_id += 1
        for author, receiver, role in ((client, freelancer, "client"), (freelancer, client, "freelancer")):
            r = rng.randint(1, 5)
            feedback.append((cid, author, receiver, role, r, r, r, r, "Bench feedback.",
                             None if role == "client" else (rng.random() > 0.1) if cancelled else None,
                             False, ended, ended + timedelta(days=1), "", None))
    _copy("contracts_contract", CONTRACT_COLUMNS, contract_rows)
    _fix_sequence("contracts_contract")
    _copy("contracts_settlement", ["contract_id", "escrow_cents", "to_freelancer_cents",
                                   "to_client_cents", "fee_cents", "fault", "source", "how",
                                   "ledger_transaction_id", "created_at"], settlements)
    _fix_sequence("contracts_settlement")
    _copy("disputes_cancellationrequest",
          ["id", "contract_id", "initiator_id", "initiator_role", "reason", "explanation", "state",
           "amount_to_freelancer_cents", "fault", "initial_fault", "proposed_by_id", "turn_user_id",
           "client_counters", "freelancer_counters", "escrow_cents", "submitted_value_cents",
           "created_at", "denied_at", "denial_reason", "dialogue_at", "closed_at", "timed_out_role",
           "deadline_at", "reminder_half_at", "reminder_last_at"], requests)
    _fix_sequence("disputes_cancellationrequest")
    _copy("disputes_dispute",
          ["contract_id", "cancellation_request_id", "kind", "opened_by_id", "reason", "state",
           "created_at", "snapshot", "client_asked_mediation_at", "freelancer_asked_mediation_at",
           "mediator_id", "arbitrator_id", "mediation_started_at", "arbitration_started_at",
           "proposal_rounds", "overdue_since", "closed_at", "outcome", "outcome_fault", "lost_by",
           "closed_stage", "past_mediator_ids", "sla_extended_until", "deadline_at",
           "reminder_half_at", "reminder_last_at"], disputes)
    _fix_sequence("disputes_dispute")
    _copy("reputation_feedback",
          ["contract_id", "author_id", "receiver_id", "author_role", "rating", "communication",
           "quality_or_clarity", "professionalism", "comment", "explained_clearly",
           "after_dispute", "created_at", "revealed_at", "reply", "replied_at"], feedback)
    _fix_sequence("reputation_feedback")
    return len(contract_rows), len(feedback)


def jobs(clients, n: int, seed: str = "jobs"):
    """n open jobs on the board, posted by random clients."""
    rng = random.Random(seed)
    rows = [(rng.choice(clients), f"Bench job {i}", "What we need built, in a paragraph.",
             ", ".join(rng.sample(SKILLS, 3)), 10_000 * rng.randint(5, 200), "open",
             NOW - timedelta(minutes=i)) for i in range(n)]
    _copy("reputation_job", ["client_id", "title", "description", "skills", "budget_cents",
                             "state", "created_at"], rows)
    _fix_sequence("reputation_job")
