"""Rebuild every reputation score from the records (the same computation as the live one)."""

import time

from django.core.management.base import BaseCommand

from reputation.services.scores import recompute_all


class Command(BaseCommand):
    help = "Recompute every client's trust score and every freelancer's score from the record."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = recompute_all()
        self.stdout.write(f"recompute_reputation: {count} users in "
                          f"{time.perf_counter() - started:.1f}s")
