"""Helpers for the page-cache tests: poison every cached row, and read one element's HTML.

Poisoning proves a row is served from the cache (the page shows the poison) while its inputs
are unchanged, and that changing one input gives a new key (the page shows the real row
again, rendered with the new input)."""

import pickle
import re

from django.core.cache import caches

from marketplace.kernel.pagecache import PAGE_CACHE

POISON = "POISONED-ROW"


def poison_rows() -> int:
    """Replace every cached row's HTML with POISON; how many rows were cached."""
    cache = caches[PAGE_CACHE]
    store = cache._cache  # LocMemCache: the test settings' page cache (settings.test)
    for key in list(store):
        value = pickle.loads(store[key])  # noqa: S301 (our own test cache)
        # A block of rows (RowFragments.render_together) is poisoned row by row.
        poisoned = [POISON] * len(value) if isinstance(value, list) else POISON
        store[key] = pickle.dumps(poisoned, pickle.HIGHEST_PROTOCOL)
    return len(store)


def element(html: str, element_id: str) -> str:
    """The opening tag with `id=element_id` and what follows up to the next element with an
    id of the same kind (enough to read one row)."""
    start = html.index(f'id="{element_id}"')
    kind = element_id.rsplit("-", 1)[0]
    following = re.compile(rf'id="{re.escape(kind)}-\d+"').search(html, start + len(element_id))
    return html[start:following.start() if following else start + 3000]
