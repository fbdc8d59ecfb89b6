"""In-process timings of the party pages (issue 17): Django's test Client on the benchmark
settings (production middleware) against a PostgreSQL database, no server, no load generator.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_x python bench/inprocess.py --build
    DATABASE_URL=... python bench/inprocess.py [--n 60] [--only wallet jobs] [--profile wallet]

`--build` fills an empty database at scale 0.1 (bench.run's page data) and gives the measured
client 200 wallet statement lines and 50 more contracts, and the history of ended contracts
that profiles and the stats page show.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.bench")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import dataset  # noqa: E402
from marketplace.kernel.models import User  # noqa: E402


def build():
    from bench.run import build_page_data
    from contracts.services.wallets import wallet_deposit

    call_command("migrate", verbosity=0)
    data = build_page_data(0.1)
    client = data["client"]
    clients = list(User.objects.filter(role="client").values_list("pk", flat=True))
    freelancers = list(User.objects.filter(role="freelancer").values_list("pk", flat=True))
    dataset.contracts_with_events([client.pk], freelancers, 50, 2, seed="mine")
    dataset.ended_history(clients, freelancers, 5000)
    for i in range(200):
        wallet_deposit(actor=client, amount_cents=100 + i, idempotency_key=f"inprocess-{i:06d}")
    call_command("recompute_reputation", verbosity=0)
    with connection.cursor() as cursor:  # plans from real statistics, as bench/run does
        cursor.execute("VACUUM ANALYZE")
    print("built; client", client.username)


def subjects():
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_id FROM contracts_contract GROUP BY client_id "
                       "ORDER BY COUNT(*) DESC LIMIT 1")
        client = User.objects.get(pk=cursor.fetchone()[0])
    famous = (User.objects.filter(role="freelancer", reputation__score__isnull=False)
              .order_by("-reputation__rating_count", "pk").first())
    from contracts.models import Contract
    from disputes.models import CancellationRequest, Dispute

    disputed = Contract.objects.filter(client=client, title="Disputed work").order_by("pk").first()
    busiest = client.contracts_as_client.order_by("pk").values_list("pk", flat=True).first()
    dispute = (Dispute.objects.filter(contract__client=client).order_by("-pk").first()
               or Dispute.objects.order_by("-pk").first())
    request = (CancellationRequest.objects.filter(contract__client=client, state="open")
               .order_by("-pk").first())
    return client, {
        "bare view": "/bench/bare/",
        "dashboard": "/",
        "contract page": f"/contracts/{disputed.pk if disputed else busiest}/",
        "contract page (20 events)": f"/contracts/{busiest}/",
        "dispute room": f"/disputes/{dispute.pk}/" if dispute else "/bench/bare/",
        "cancellation request": f"/cancellations/{request.pk}/" if request else "/bench/bare/",
        "wallet": "/wallet/",
        "wallet page 2": "/wallet/?page=2",
        "contracts list": "/contracts/",
        "job board": "/jobs/",
        "job board search": "/jobs/?q=django",
        "directory": "/freelancers/",
        "directory search": "/freelancers/?q=django",
        "profile": f"/u/{famous.username}/",
        "stats": "/stats/",
    }


def measure(browser, url, n):
    browser.get(url)
    browser.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = browser.get(url)
    count = len(ctx.captured_queries)  # before the next request_started clears the log
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        browser.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), count, len(response.content)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--profile")
    parser.add_argument("--sql", action="store_true")
    args = parser.parse_args()
    if args.build:
        build()
        return
    client, pages = subjects()
    browser = Client(HTTP_HOST="localhost")
    browser.force_login(client)
    if args.profile:
        url = pages[args.profile]
        for _ in range(3):
            browser.get(url)
        if args.sql:
            with CaptureQueriesContext(connection) as ctx:
                browser.get(url)
            for q in ctx.captured_queries:
                print(q["time"], q["sql"][:600])
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            browser.get(url)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        return
    for name, url in pages.items():
        if args.only and not any(o in name for o in args.only):
            continue
        ms, fastest, count, size = measure(browser, url, args.n)
        print(f"{name:20} median {ms:6.2f} ms  min {fastest:6.2f} ms  {count:3} queries  "
              f"{size:7} bytes  {url}", flush=True)


if __name__ == "__main__":
    main()
