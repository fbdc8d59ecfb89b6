"""Perform every automatic action that is due; safe to run often and in several copies."""

import time

from django.core.management.base import BaseCommand
from django.db import connections

from marketplace.kernel.deadlines import SWEEPS, process_deadlines


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
            _replace_broken_connections()


def _replace_broken_connections() -> None:
    """A looping sweeper runs for days on one connection. One lost while it slept (database
    restart, failover) is replaced here, instead of every later round failing; a healthy one
    is kept, so a sweeper running every second does not reconnect every second."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.is_usable():
            connection.close()
