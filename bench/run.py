"""Run every benchmark on a fresh PostgreSQL database and write bench/RESULTS.md.

Usage (from bench/run): python bench/run.py [--scale 1.0] [--rounds 5]
The full scale is what issue 7 asks for; a smaller --scale is for quick checks only and the
report says which scale produced its figures.
"""

import argparse
import os
import platform
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.bench")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench import dataset, loadgen  # noqa: E402

PYTHON = sys.executable


def log(*args):
    print(f"[{datetime.now(UTC):%H:%M:%S}]", *args, flush=True)


def session_cookie(user) -> str:
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def build_page_data(scale: float) -> dict:
    """10k users, 50k contracts, 1M events (at scale 1), and the pages' subjects."""
    n_users, n_contracts, events = int(10_000 * scale), int(50_000 * scale), 20
    log(f"pages data: {n_users} users, {n_contracts} contracts, {n_contracts * events} events")
    clients, freelancers = dataset.users(n_users, "u")
    contract_ids = dataset.contracts_with_events(clients, freelancers, n_contracts, events)
    dataset.reputations(freelancers)
    User = get_user_model()
    # The busiest client (most contracts) is the one whose dashboard is measured.
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_id, COUNT(*) FROM contracts_contract GROUP BY client_id "
                       "ORDER BY 2 DESC LIMIT 1")
        client_id, owned = cursor.fetchone()
    client = User.objects.get(pk=client_id)
    contract_id = (contract_ids[0] if not owned else
                   User.objects.get(pk=client_id).contracts_as_client.order_by("pk")
                   .values_list("pk", flat=True).first())
    dispute = _real_dispute(client)
    log(f"dashboard of a client with {owned} contracts; contract #{contract_id}; dispute #{dispute.pk}")
    return {"client": client, "contract_id": contract_id, "dispute": dispute}


def _real_dispute(client):
    """A dispute in mediation with offers, evidence and messages, made through the services."""
    from django.core.files.base import ContentFile

    from contracts.services import milestones, offers, wallets
    from disputes.services import cancellations, casework
    from disputes.services import disputes as dsvc
    from marketplace.kernel.models import Role

    User = get_user_model()
    freelancer = User.objects.filter(role=Role.FREELANCER).first()
    mediator = User.objects.create_user("bench-mediator", "m@bench.invalid", "x", role=Role.STAFF,
                                        is_staff=True)
    from django.contrib.auth.models import Group

    mediator.groups.add(Group.objects.get(name="Mediators"))
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=client, email=client.email, verified=True, primary=True)
    EmailAddress.objects.create(user=freelancer, email=freelancer.email, verified=True, primary=True)
    wallets.wallet_deposit(actor=client, amount_cents=1_000_000, idempotency_key="bench-deposit-000001")
    contract = offers.offer_create(client=client, freelancer=freelancer, title="Disputed work",
                                   description="Scope.", milestones=[offers.MilestoneInput("A", 50_000),
                                                                     offers.MilestoneInput("B", 30_000)])
    offers.offer_accept(actor=freelancer, contract=contract)
    for m in contract.milestones.all():
        milestones.milestone_fund(actor=client, milestone=m)
    request = cancellations.cancellation_request(
        actor=client, contract=contract, reason="quality",
        explanation="The delivered work does not follow the written brief on three points.",
        amount_to_freelancer_cents=0, fault="freelancer")
    dispute = cancellations.cancellation_dispute(actor=freelancer, request=request, reason="Unfair.")
    for i in range(5):
        dsvc.dispute_message(actor=freelancer if i % 2 else client, dispute=dispute,
                             body=f"Point {i} of the argument.",
                             files=[ContentFile(b"%PDF-1.4 evidence", name=f"e{i}.pdf")], evidence=True)
        dsvc.dispute_make_offer(actor=client, dispute=dispute, outcome="cancel",
                                amount_cents=10_000 * i, fault="none")
    dsvc.dispute_request_mediation(actor=client, dispute=dispute)
    dsvc.dispute_request_mediation(actor=freelancer, dispute=dispute)
    casework.dispute_assign_mediator(actor=mediator, dispute=dispute)
    return dispute


def start_server(port: int, workers: int = 2, env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "marketplace.settings.bench", **(env or {})}
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "marketplace.site.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", str(workers), "--access-logfile", "-", "--error-logfile", "-", "--log-level",
         "warning"], cwd=BASE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import socket

    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


# The pages are measured with both ways of holding database connections: opening one costs
# about as much as the bare view's own work, so the choice moves every ratio.
CONNECTION_MODES = [
    ("persistent", "connections kept between requests (the production default, CONN_MAX_AGE=60)",
     {}),
    ("per request", "a new connection for every request (CONN_MAX_AGE=0)", {"CONN_MAX_AGE": "0"}),
]


def bench_pages(data: dict, rounds: int, requests: int, concurrency: int, env: dict,
                port: int = 8781) -> dict:
    server = start_server(port, env=env)
    try:
        cookie = session_cookie(data["client"])
        pages = {
            "bare view": "/bench/bare/",
            "dashboard": "/",
            "contract page": f"/contracts/{data['dispute'].contract_id}/",
            "contract page (20 events)": f"/contracts/{data['contract_id']}/",
            "dispute room": f"/disputes/{data['dispute'].pk}/",
            "freelancer directory": "/freelancers/?q=django",
        }
        for path in pages.values():  # warm up every page (templates, connections, caches)
            loadgen.run("127.0.0.1", port, path, cookie, 30, concurrency)
        results = {name: [] for name in pages}
        import random

        order = list(pages)
        for r in range(rounds):
            random.Random(r).shuffle(order)  # interleaved rounds, in a different order each time
            for name in order:
                outcome = loadgen.run("127.0.0.1", port, pages[name], cookie, requests, concurrency)
                if outcome["errors"]:
                    raise RuntimeError(f"{name}: {outcome['errors']} errors ({outcome['first_error']})")
                results[name].append(outcome)
            log(f"round {r + 1}/{rounds} done")
        return {"pages": pages, "results": results}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def bench_deadlines(scale: float) -> dict:
    """100k due items (at scale 1) through the real services, once with one worker and once
    with two; each run has its own 100k items."""
    User = get_user_model()
    if User.objects.filter(role="client").count() < 100:
        dataset.users(4000, "d")
    clients = list(User.objects.filter(role="client").values_list("pk", flat=True)[:2000])
    freelancers = list(User.objects.filter(role="freelancer").values_list("pk", flat=True)[:2000])
    items = int(100_000 * scale)
    out = {}
    for workers in (1, 2):
        dataset.due_items(clients, freelancers, offers=items // 2, releases=items - items // 2,
                          seed=f"due{workers}")
        log(f"process_deadlines: {items} due items, {workers} worker(s)")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "marketplace.settings.bench"}
        command = [PYTHON, "manage.py", "process_deadlines", "--only", "offer_expiry",
                   "milestone_auto_release"]
        began = time.perf_counter()
        processes = [subprocess.Popen(command, cwd=BASE, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for _ in range(workers)]
        outputs = [p.communicate() for p in processes]
        elapsed = time.perf_counter() - began
        handled = sum(int(o.split(" handled")[0].split(": ")[-1]) for o, _ in outputs)
        failures = [e for _, e in outputs if "failed" in e]
        out[workers] = {"items": items, "handled": handled, "seconds": elapsed,
                        "rate": handled / elapsed, "outputs": [o.strip() for o, _ in outputs],
                        "failures": failures}
        log(f"  {handled} handled in {elapsed:.1f}s: {handled / elapsed:.0f} items/s")
    return out


def bench_reputation(scale: float) -> dict:
    User = get_user_model()
    n_users, n_contracts = int(20_000 * scale), int(500_000 * scale)
    existing = User.objects.filter(role__in=["client", "freelancer"]).count()
    if existing < n_users:
        dataset.users(n_users - existing, "r")
    clients = list(User.objects.filter(role="client").values_list("pk", flat=True))
    freelancers = list(User.objects.filter(role="freelancer").values_list("pk", flat=True))
    log(f"reputation data: {len(clients) + len(freelancers)} users, {n_contracts} ended contracts")
    _made, _feedback = dataset.ended_history(clients, freelancers, n_contracts)
    from django.db import connection as conn

    with conn.cursor() as cursor:
        cursor.execute("ANALYZE")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "marketplace.settings.bench"}
    runs = []
    for _ in range(2):
        began = time.perf_counter()
        subprocess.run([PYTHON, "manage.py", "recompute_reputation"], cwd=BASE, env=env,
                       check=True, capture_output=True)
        runs.append(time.perf_counter() - began)
        log(f"recompute_reputation: {runs[-1]:.1f}s")
    with conn.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM reputation_feedback")
        feedback_total = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM contracts_contract WHERE state IN ('completed','cancelled','closed')")
        ended_total = cursor.fetchone()[0]
    return {"users": len(clients) + len(freelancers), "ended": ended_total,
            "feedback": feedback_total, "runs": runs}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return (f"{platform.node()}: {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
            f"PostgreSQL {pg}, {platform.platform()}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--only", nargs="*", default=["pages", "deadlines", "reputation"])
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    report = {"machine": machine(), "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
              "scale": args.scale, "args": vars(args)}
    if "pages" in args.only:
        data = build_page_data(args.scale)
        call_command("collectstatic", "--no-input", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        report["pages"] = []
        for i, (name, description, env) in enumerate(CONNECTION_MODES):
            log(f"pages, {name} connections")
            section = bench_pages(data, args.rounds, args.requests, args.concurrency, env,
                                  port=8781 + i)
            report["pages"].append({**section, "mode": name, "description": description})
    if "deadlines" in args.only:
        report["deadlines"] = bench_deadlines(args.scale)
    if "reputation" in args.only:
        report["reputation"] = bench_reputation(args.scale)
    from bench.report import write

    write(report, BASE / "bench" / "RESULTS.md")
    log("wrote bench/RESULTS.md")


if __name__ == "__main__":
    main()
