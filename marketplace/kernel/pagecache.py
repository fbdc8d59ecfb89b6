"""Rendered rows of append-only data, kept so a page renders only the rows it has not
rendered before (read by the pages' selectors and views; written nowhere else).

A record event, a thread message or a wallet statement line never changes once written. What
its rendering still depends on goes into its key with it: the viewer's time zone and
language, the names it shows (an account that closes, or a name that changes, gives a new
key), whether a mediator hid the message, and the row template's own source (a deploy that
changes the markup gives new keys). Nothing cached can therefore go stale: a new input is a
new key, and an old key simply ages out.

Only such rows are cached. Buttons, banners, deadlines, countdowns and reputation sentences
depend on now, on the viewer's rights or on live state, and are always rendered.

The rows live in a cache alias of their own, `pages` (each process's memory, or Redis with
its own key prefix when REDIS_URL is set): never the throttles' alias, which may be the
database.
"""

from collections.abc import Callable, Iterable, Sequence
from hashlib import blake2b
from pathlib import Path

from django.core.cache import caches
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

PAGE_CACHE = "pages"
# A row's rendering is kept this long after it was last rendered from scratch; the key
# never goes stale, so this only bounds the memory a row no one reads holds.
ROW_TIMEOUT = 7 * 24 * 3600


def _digest(value: object) -> str:
    return blake2b(repr(value).encode(), digest_size=12).hexdigest()


def viewer_key() -> str:
    """What every row's rendering depends on from the viewer: their time zone (set by
    kernel.middleware.UserTimezoneMiddleware) and language."""
    return f"{timezone.get_current_timezone_name()}|{translation.get_language()}"


class RowFragments:
    """One kind of row, its template and its keys.

    `key(row)` returns everything the row's rendering depends on besides the viewer: its
    identity and, for instance, the names it shows and its hidden state. `prepare(rows)`,
    if given, loads what only rendering needs (a message's attachments) for the rows that
    were not cached, so a page whose rows are all cached never reads it.
    """

    def __init__(self, kind: str, template_name: str, *, key: Callable[[object], tuple],
                 prepare: Callable[[Sequence], None] | None = None):
        self.kind = kind
        self.template_name = template_name
        self.key = key
        self.prepare = prepare
        self._template = None
        self._version = ""

    def _load(self):
        if self._template is None:
            template = get_template(self.template_name)
            origin = Path(template.origin.name)
            self._version = _digest(origin.read_text() if origin.exists() else origin.name)
            self._template = template
        return self._template

    def cache_key(self, row, viewer: str) -> str:
        self._load()
        return f"row:{self.kind}:{self._version}:{_digest((viewer, self.key(row)))}"

    def render(self, rows: Iterable) -> list[SafeString]:
        """Each row's HTML, in order: from the cache where it was rendered before for the
        same inputs, else rendered now (and kept)."""
        rows = list(rows)
        if not rows:
            return []
        template = self._load()
        viewer = viewer_key()
        keys = [self.cache_key(row, viewer) for row in rows]
        cache = caches[PAGE_CACHE]
        found = cache.get_many(keys)
        missing = [(key, row) for key, row in zip(keys, rows, strict=True) if key not in found]
        if missing:
            if self.prepare is not None:
                self.prepare([row for _key, row in missing])
            rendered = {key: template.render({"row": row}) for key, row in missing}
            cache.set_many(rendered, timeout=ROW_TIMEOUT)
            found.update(rendered)
        return [mark_safe(found[key]) for key in keys]  # noqa: S308 (our own templates' output)

    def render_together(self, rows: Sequence) -> list[SafeString]:
        """`render(rows)`, kept as one cached entry as well: its key names every row's key
        (and the viewer), so a page whose rows are unchanged reads one entry, not one per
        row; any change to any row gives a new entry, built from the rows' own entries."""
        if not rows:
            return []
        self._load()
        viewer = viewer_key()
        key = (f"rows:{self.kind}:{self._version}:"
               f"{_digest((viewer, [self.key(row) for row in rows]))}")
        cache = caches[PAGE_CACHE]
        block = cache.get(key)
        if block is None:
            block = [str(html) for html in self.render(rows)]
            cache.set(key, block, timeout=ROW_TIMEOUT)
        return [mark_safe(html) for html in block]  # noqa: S308 (our own templates' output)

    def render_joined(self, rows: Sequence) -> SafeString:
        """The rows' HTML joined, from one cached entry (`render_together`)."""
        return mark_safe("".join(self.render_together(rows)))  # noqa: S308 (as above)
