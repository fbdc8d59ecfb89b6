"""Pages of a list read through compiled queries (kernel.compiled), for `Paginator`.

A `CompiledQuery` takes equality parameters only, and LIMIT and OFFSET are written into its
SQL: `CompiledPages` keeps one compiled query per window (offset, size) of an ordered
`values()` query, for the first pages people open; deeper pages are read through the ORM as
before (the same rows, without keeping a query per page). `PagedRows` gives `Paginator` a
list whose length was read with the page's other figures and whose pages are read on demand.
"""

import functools
from collections.abc import Callable

from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, Subquery, Window

from marketplace.kernel.compiled import CompiledQuery


class CompiledPages:
    """`build(**params)` returns an ordered `values()` queryset (its parameters annotated
    as for CompiledQuery); `rows(offset, size, **params)` reads one window of it."""

    def __init__(self, build: Callable, *, keep: int = 20):
        self.build = build
        self.keep = keep
        self._windows: dict[tuple[int, int], CompiledQuery] = {}

    def _window(self, offset: int, size: int) -> Callable:
        @functools.wraps(self.build)  # the signature (and its types) stay the build's
        def window(**params):
            return self.build(**params)[offset:offset + size]
        return window

    def rows(self, offset: int, size: int, **params) -> list[dict]:
        if size <= 0:
            return []
        query = self._windows.get((offset, size))
        if query is None:
            window = self._window(offset, size)
            if len(self._windows) >= self.keep:
                return list(window(**params))
            query = self._windows[offset, size] = CompiledQuery(window)
        return query.rows(**params)


class RankedPages(CompiledPages):
    """Pages of a long list ranked on a few narrow columns (a score, a date) whose rows show
    many more (names, counts): `rank(**params)` returns the list, ordered, reading only what
    its order and filters need; `show(window, **params)` returns the `values()` rows whose
    ids are in `window` (a subquery of one window of the ranking), in the same
    order. Each row also carries the list's length (LISTED, `length_of`). One read: the
    whole list is ranked and counted without its wide rows, and only the window is read
    whole (the job board read every open job's client to show twenty: issue 17)."""

    def __init__(self, rank: Callable, show: Callable, *, keep: int = 20):
        super().__init__(rank, keep=keep)
        self.show = show

    def _window(self, offset: int, size: int) -> Callable:
        @functools.wraps(self.build)
        def window(**params):
            ranked = self.build(**params)
            shown = self.show(ranked.values("pk")[offset:offset + size], **params)
            return shown.annotate(**{LISTED: length_of(ranked)})
        return window


class length_of(Subquery):
    """How many rows `queryset` has, as a scalar subquery of the read that shows a page."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) listed_rows)"
    output_field = IntegerField()

    def __init__(self, queryset):
        super().__init__(queryset.order_by().values("pk"))


class PagedRows:
    """A list of `length` rows for `Paginator`, each page read by `read(offset, size)`."""

    def __init__(self, length: int, read: Callable[[int, int], list]):
        self.length, self.read = length, read

    def count(self) -> int:
        return self.length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, window: slice) -> list:
        start = window.start or 0
        stop = min(window.stop if window.stop is not None else self.length, self.length)
        return self.read(start, stop - start) if stop > start else []


# The length of the whole list on each row of a page (`LISTED`, a window count: the list is
# counted as the page is read, in the same read).
LISTED = "listed"


def listed():
    """The annotation for `counted_page`: `.annotate(**{LISTED: listed()})` before values()."""
    return Window(Count("*"))


def counted_page(read: Callable[[int, int], list], per_page: int, number) -> Page:
    """`Paginator(...).get_page(number)` for a list whose rows carry its length (LISTED):
    one read for a page that exists; a page past the end reads the first page to learn the
    length, then the last page, as `get_page` shows it."""
    try:
        wanted = max(int(number), 1)
    except (TypeError, ValueError):
        wanted = 1
    offset = (wanted - 1) * per_page
    rows = read(offset, per_page)
    if not rows and wanted > 1:
        offset, rows = 0, read(0, per_page)
    length = rows[0][LISTED] if rows else 0
    pages = {offset: rows}

    def page_rows(start: int, size: int) -> list:
        found = pages.get(start)
        return found[:size] if found is not None else read(start, size)

    return Paginator(PagedRows(length, page_rows), per_page).get_page(wanted)
