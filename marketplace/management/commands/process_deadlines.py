"""Perform every automatic action that is due; safe to run often and in several copies."""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from marketplace.deadlines import SWEEPS, process_deadlines


class Command(BaseCommand):
    help = "Perform every automatic action that is due (expiries, auto-actions, reminders)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Run every --interval seconds.")
        parser.add_argument("--interval", type=int, default=60)
        parser.add_argument("--only", nargs="*", choices=sorted(SWEEPS), help="Run only these.")
        parser.add_argument("--limit", type=int, default=None, help="At most N items per sweep.")

    def handle(self, *args, **options):
        while True:
            report = process_deadlines(only=options["only"], limit=options["limit"])
            summary = ", ".join(f"{name}: {n}" for name, n in sorted(report.handled.items()))
            self.stdout.write(
                f"process_deadlines: {report.total} handled"
                + (f" ({summary})" if summary else "")
                + f", {report.skipped} skipped, {report.failed} failed"
            )
            if not options["loop"]:
                if report.failed:
                    raise SystemExit(1)
                return
            time.sleep(options["interval"])
            # A looping sweeper runs for days: each round starts on a healthy connection, as
            # a request does (one lost to a database restart or failover while it slept is
            # replaced, one past CONN_MAX_AGE renewed) instead of every later round failing.
            # Only between rounds: a single run may be inside a caller's transaction.
            close_old_connections()
