"""Empty the page cache (kernel.pagecache): rendered rows of append-only data.

Rows are keyed by their ids, which a database restored from a backup may hand out again to
different rows: run this after a restore (with Redis as the page cache; each process's own
memory empties when the app servers restart)."""

from django.core.cache import caches
from django.core.management.base import BaseCommand

from marketplace.kernel.pagecache import PAGE_CACHE


class Command(BaseCommand):
    help = "Empty the page cache (rendered rows); run it after restoring a database backup."

    def handle(self, *args, **options):
        caches[PAGE_CACHE].clear()
        self.stdout.write("Page cache emptied.")
