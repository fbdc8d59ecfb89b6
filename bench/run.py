"""Run every benchmark on a fresh PostgreSQL database and write bench/RESULTS.md.

Usage (from bench/run): python bench/run.py [--scale 1.0] [--rounds 5]
The full scale is what issue 7 asks for; a smaller --scale is for quick checks only and the
report says which scale produced its figures.
"""

import argparse
import json
import os
import platform
import random
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

from bench import dataset, wrk  # noqa: E402

PYTHON = sys.executable


def log(*args):
    print(f"[{datetime.now(UTC):%H:%M:%S}]", *args, flush=True)


def session_cookie(user, *, second_factor: bool = False) -> str:
    """A signed-in session for `user`; for staff, with the second factor passed the way
    allauth records it (the console refuses a session without it)."""
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    if second_factor:
        from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
        from allauth.mfa.models import Authenticator

        from marketplace.kernel.mfa import enrol_totp, is_enrolled

        if not is_enrolled(user):
            enrol_totp(user)
        totp = Authenticator.objects.get(user_id=user.pk, type=Authenticator.Type.TOTP)
        now = time.time()
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": now, "username": user.username},
            {"method": "mfa", "at": now, "type": "totp", "id": totp.pk}]
        session["account_authentication_methods_user"] = str(user.pk)
    session.create()
    return f"sessionid={session.session_key}"


def build_page_data(scale: float) -> dict:
    """10k users, 50k contracts, 1M events (at scale 1), and the pages' subjects: the busiest
    client's dashboard and contracts, a real dispute in mediation, an open cancellation
    request, jobs on the board, a freelancer's profile, and a mediator for the console."""
    n_users, n_contracts, events = int(10_000 * scale), int(50_000 * scale), 20
    log(f"pages data: {n_users} users, {n_contracts} contracts, {n_contracts * events} events")
    clients, freelancers = dataset.users(n_users, "u")
    contract_ids = dataset.contracts_with_events(clients, freelancers, n_contracts, events)
    dataset.reputations(freelancers)
    dataset.jobs(clients, int(2_000 * scale) or 20)
    User = get_user_model()
    # The busiest client (most contracts) is the one whose pages are measured.
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_id, COUNT(*) FROM contracts_contract GROUP BY client_id "
                       "ORDER BY 2 DESC LIMIT 1")
        client_id, owned = cursor.fetchone()
    client = User.objects.get(pk=client_id)
    contract_id = (contract_ids[0] if not owned else
                   User.objects.get(pk=client_id).contracts_as_client.order_by("pk")
                   .values_list("pk", flat=True).first())
    dispute, mediator = _real_dispute(client)
    request = _open_request(client, dispute.contract.freelancer)
    freelancer = User.objects.filter(role="freelancer", reputation__score__isnull=False).first()
    log(f"dashboard of a client with {owned} contracts; contract #{contract_id}; "
        f"dispute #{dispute.pk}; request #{request.pk}")
    return {"client": client, "contract_id": contract_id, "dispute": dispute,
            "request": request, "freelancer": freelancer, "mediator": mediator}


SUBJECTS = BASE / "bench" / "out" / "pages.json"


def save_page_data(data: dict) -> dict:
    """The pages' subjects by id, for a later run on the same database (--reuse-data)."""
    SUBJECTS.parent.mkdir(exist_ok=True)
    SUBJECTS.write_text(json.dumps({
        "client": data["client"].pk, "contract_id": data["contract_id"],
        "dispute": data["dispute"].pk, "request": data["request"].pk,
        "freelancer": data["freelancer"].pk, "mediator": data["mediator"].pk}))
    return data


def reuse_page_data() -> dict:
    from disputes.models import CancellationRequest, Dispute

    ids = json.loads(SUBJECTS.read_text())
    User = get_user_model()
    log(f"pages data: reusing the database of the previous run ({ids})")
    return {"client": User.objects.get(pk=ids["client"]), "contract_id": ids["contract_id"],
            "dispute": Dispute.objects.get(pk=ids["dispute"]),
            "request": CancellationRequest.objects.get(pk=ids["request"]),
            "freelancer": User.objects.get(pk=ids["freelancer"]),
            "mediator": User.objects.get(pk=ids["mediator"])}


def _open_request(client, freelancer):
    """An open cancellation request of the client's, with a counter-proposal and messages."""
    from contracts.services import milestones, offers
    from disputes.services import cancellations

    contract = offers.offer_create(
        client=client, freelancer=freelancer, title="Work being ended", description="Scope.",
        milestones=[offers.MilestoneInput("A", 40_000), offers.MilestoneInput("B", 20_000)])
    offers.offer_accept(actor=freelancer, contract=contract)
    for m in contract.milestones.all():
        milestones.milestone_fund(actor=client, milestone=m)
    request = cancellations.cancellation_request(
        actor=client, contract=contract, reason="budget",
        explanation="Our budget for the quarter was cut; we would like to end here fairly.",
        amount_to_freelancer_cents=20_000, fault="client")
    for i in range(3):
        cancellations.cancellation_message(actor=freelancer if i % 2 else client,
                                           request=request, body=f"About the terms, {i}.")
    return request


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
    wallets.wallet_deposit(actor=client, amount_cents=2_000_000,
                           idempotency_key="bench-deposit-000001")
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
    return dispute, mediator


def start_server(port: int, workers: int = 2, env: dict | None = None) -> subprocess.Popen:
    env = {"DJANGO_SETTINGS_MODULE": "marketplace.settings.bench", **os.environ, **(env or {})}
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


def page_list(data: dict) -> dict[str, tuple[str, str]]:
    """name -> (path, whose session): every party page, and the console's queue and case."""
    d, r = data["dispute"], data["request"]
    return {
        "bare view": ("/bench/bare/", "client"),
        "dashboard": ("/", "client"),
        "contract page": (f"/contracts/{d.contract_id}/", "client"),
        "contract page (20 events)": (f"/contracts/{data['contract_id']}/", "client"),
        "cancellation request": (f"/cancellations/{r.pk}/", "client"),
        "dispute room": (f"/disputes/{d.pk}/", "client"),
        "wallet": ("/wallet/", "client"),
        "contracts list": ("/contracts/", "client"),
        "job board": ("/jobs/", "client"),
        "profile": (f"/u/{data['freelancer'].username}/", "client"),
        "stats": ("/stats/", "client"),
        "freelancer directory": ("/freelancers/?q=django", "client"),
        "console queue": ("/admin/disputes/dispute/", "mediator"),
        "console case view": (f"/admin/disputes/dispute/{d.pk}/change/", "mediator"),
    }


NO_MIDDLEWARE = "bare view, no middleware"


def _check_serves(url: str, cookie: str) -> None:
    """A page that redirects (to the login or the second-factor page) would be measured as
    a fast 302: refuse to measure anything but the page itself."""
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(  # noqa: S310 (our own http://127.0.0.1 server)
        url, headers={"Cookie": cookie, "Host": "localhost"})
    try:
        response = urllib.request.build_opener(NoRedirect).open(request, timeout=60)
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{url} answered {error.code}, not the page") from error
    if response.status != 200:
        raise RuntimeError(f"{url} answered {response.status}, not the page")


def bench_pages(data: dict, rounds: int, seconds: float, connections: int, env: dict,
                port: int = 8781) -> dict:
    """Every page with wrk in interleaved rounds (a different order each round), beside the
    bare logged-in view in the same server and a bare view with no middleware at all."""
    server = start_server(port, env=env)
    bare = start_server(port + 10, env={
        **env, "DJANGO_SETTINGS_MODULE": "marketplace.settings.bench_nomiddleware"})
    try:
        cookies = {"client": session_cookie(data["client"]),
                   "mediator": session_cookie(data["mediator"], second_factor=True)}
        pages = {name: (f"http://127.0.0.1:{port}{path}", cookies[who])
                 for name, (path, who) in page_list(data).items()}
        pages[NO_MIDDLEWARE] = (f"http://127.0.0.1:{port + 10}/bench/bare/", "")
        for url, cookie in pages.values():  # warm up (templates, connections, caches)
            _check_serves(url, cookie)
            outcome = wrk.run(url, cookie, 1, connections)
            if outcome["errors"]:
                raise RuntimeError(f"{url}: {outcome['errors']} errors while warming up")
        results = {name: [] for name in pages}
        order = list(pages)
        for r in range(rounds):
            random.Random(r).shuffle(order)
            for name in order:
                outcome = wrk.run(*pages[name], seconds, connections)
                if outcome["errors"]:
                    raise RuntimeError(f"{name}: {outcome['errors']} errors")
                results[name].append(outcome)
            log(f"round {r + 1}/{rounds} done")
        paths = {name: url.split(str(port), 1)[-1].split(str(port + 10), 1)[-1]
                 for name, (url, _cookie) in pages.items()}
        return {"pages": paths, "results": results}
    finally:
        for process in (server, bare):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


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


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True, cwd=BASE).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


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


SECTIONS = ("pages", "deadlines", "reputation")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5, help="per page and round")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--only", nargs="*", default=["pages", "deadlines", "reputation"])
    parser.add_argument("--reuse-data", action="store_true",
                        help="measure the pages of the data the previous run built "
                             "(bench/out/pages.json) instead of building it again")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="an earlier run's results.json, reported as 'before'")
    args = parser.parse_args()
    if "pages" in args.only and not wrk.available():
        sys.exit("bench/run drives the pages with wrk: install it first (apt-get install wrk).")
    call_command("migrate", verbosity=0)
    report = {"machine": machine(), "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
              "scale": args.scale, "argv": sys.argv[1:], "commit": _commit(),
              # Other work on the machine slows every figure: the run says how busy it was.
              "load": round(os.getloadavg()[0], 2),
              "args": {k: v for k, v in vars(args).items() if k != "baseline"}}
    if "pages" in args.only:
        data = reuse_page_data() if args.reuse_data else save_page_data(build_page_data(args.scale))
        call_command("collectstatic", "--no-input", verbosity=0)
        # As autovacuum leaves a live database: a table just bulk-loaded has no visibility
        # map yet, and its trigram index keeps every inserted row in a pending list that each
        # search reads through (the directory's search: 3 ms before, 0.5 ms after).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        report["pages"] = []
        for i, (name, description, env) in enumerate(CONNECTION_MODES):
            log(f"pages, {name} connections")
            section = bench_pages(data, args.rounds, args.seconds, args.connections, env,
                                  port=8781 + i)
            report["pages"].append({**section, "mode": name, "description": description})
    if "deadlines" in args.only:
        report["deadlines"] = bench_deadlines(args.scale)
    if "reputation" in args.only:
        report["reputation"] = bench_reputation(args.scale)
    # Sections run now are labelled with this run; sections not run keep the figures of the
    # run that measured them (bench/results.json), labelled with that run's commit and date,
    # so `--only` can re-measure one part without losing or passing off the others.
    measured = {name: {k: report[k] for k in ("commit", "date", "scale", "argv", "load")}
                for name in SECTIONS if name in report}
    earlier_path = BASE / "bench" / "results.json"
    if earlier_path.exists():
        earlier = json.loads(earlier_path.read_text())
        for name in SECTIONS:
            if name not in report and name in earlier:
                report[name] = earlier[name]
                measured[name] = earlier.get("measured", {}).get(name) or {
                    k: earlier.get(k) for k in ("commit", "date", "scale", "argv", "load")}
    report["measured"] = measured
    from bench.report import write

    # The raw figures too, so a later run can report this one as its "before".
    (BASE / "bench" / "results.json").write_text(json.dumps(report, indent=1, default=str))
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    write(report, BASE / "bench" / "RESULTS.md", baseline=baseline)
    log("wrote bench/RESULTS.md and bench/results.json")


if __name__ == "__main__":
    main()
