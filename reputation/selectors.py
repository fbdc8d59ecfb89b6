"""Reads for the directory, the job board and profiles: ranked in SQL, constant queries."""

import inspect
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from contracts.models import Contract
from marketplace.kernel.compiled import CompiledQuery, Read, fields_of, instance
from marketplace.kernel.models import Role, User
from marketplace.kernel.paged import (
    LISTED,
    CompiledPages,
    PagedRows,
    RankedPages,
    counted_page,
    listed,
)
from marketplace.kernel.patterns import ContainsPattern, IContainsPattern, like_pattern
from marketplace.kernel.scoring import EXPLAINED_LINES, reason_text
from reputation.models import Application, Feedback, Job, JobState, Reputation

MAX_TERMS = 5


def _terms(query: str) -> list[str]:
    return [t for t in (query or "").split() if len(t) <= 50][:MAX_TERMS]


def _relevance(patterns, strong: list[str], weak: list[str] | None):
    """Two points per term found in a strong field (skills, title), one in a weak one. With
    `weak=None` every term is known to match somewhere (the rows were filtered on it).
    Terms come as LIKE patterns (kernel.patterns), so the search can be compiled."""
    score = Value(0, output_field=IntegerField())
    for pattern in patterns:
        strong_q = Q()
        for f in strong:
            strong_q |= Q(IContainsPattern(F(f), pattern))
        if weak is None:
            score = score + Case(When(strong_q, then=2), default=1, output_field=IntegerField())
            continue
        weak_q = Q()
        for f in weak:
            weak_q |= Q(IContainsPattern(F(f), pattern))
        score = score + Case(When(strong_q, then=2), When(weak_q, then=1), default=0,
                             output_field=IntegerField())
    return score


def _matching_freelancers(lowered: list[str], typed: list[str]):
    """`lowered`: each term's pattern in lower case, for the search text (indexed on
    PostgreSQL); `typed`: as typed, for the relevance."""
    qs = User.objects.filter(role=Role.FREELANCER, is_active=True)
    for pattern in lowered:  # every term must match somewhere (indexed on PostgreSQL)
        qs = qs.filter(ContainsPattern(F("search_text"), pattern))
    if typed:
        qs = qs.annotate(relevance=_relevance(typed, ["skills", "headline"], None))
    # The score as the database keeps it on the user (reputation.ranks): no join per match.
    order = [F("ranked_score").desc(nulls_last=True), "username"]
    return qs.order_by(*(["-relevance"] if typed else []), *order)


def freelancer_directory(query: str = ""):
    """Freelancers matching the query, by relevance, then score (no score: after scored)."""
    terms = _terms(query)
    return _matching_freelancers([like_pattern(t.lower()) for t in terms],
                                 [like_pattern(t) for t in terms])


def _searches(make, kinds: str) -> dict[int, Callable]:
    """For 1..MAX_TERMS terms, a build function of each term's patterns calling
    `make(lowered, typed)`, for kernel.compiled: `kinds` says which patterns the query
    uses ("l": lower-cased, l0, l1…; "t": as typed, t0, t1…); the others are empty lists."""
    def searching(n: int):
        def build(**patterns):
            return make([patterns[f"l{i}"] for i in range(n) if "l" in kinds],
                        [patterns[f"t{i}"] for i in range(n) if "t" in kinds])
        build.__signature__ = inspect.Signature([
            inspect.Parameter(f"{kind}{i}", inspect.Parameter.KEYWORD_ONLY, annotation=str)
            for i in range(n) for kind in kinds])
        build.__qualname__ = f"{getattr(make, '__qualname__', 'search')}[{n}]"
        return build
    return {n: searching(n) for n in range(1, MAX_TERMS + 1)}


def _patterns(terms: list[str], kinds: str) -> dict[str, str]:
    found = {}
    for i, term in enumerate(terms):
        if "l" in kinds:
            found[f"l{i}"] = like_pattern(term.lower())
        if "t" in kinds:
            found[f"t{i}"] = like_pattern(term)
    return found


# The job board and the directory (issue 17): rows of what they show; the lists' pages and
# lengths compiled once, searches once per number of terms (their LIKE patterns written in
# Python: kernel.patterns), with the same filters and ranking as above.
PAGE = 20

JOB_ROW_FIELDS = ("id", "title", "budget_cents", "skills", *User.name_values("client"),
                  "client_score", "applicants")


def _applicants():
    return Coalesce(Subquery(Application.objects.filter(job_id=OuterRef("pk")).order_by()
                             .values("job_id").annotate(n=Count("id")).values("n")), 0)


def _board(patterns: list[str]):
    """The open jobs matching `patterns`, in the board's order, ranked on the job alone: the
    client's score as the database keeps it on each job (reputation.ranks), so the open
    jobs are read in order from an index (no join to their clients or scores)."""
    qs = Job.objects.filter(state=JobState.OPEN)
    if patterns:
        qs = (qs.annotate(relevance=_relevance(patterns, ["title", "skills"], ["description"]))
              .filter(relevance__gt=0))
    order = [F("client_score").desc(nulls_last=True), "-created_at", "-pk"]
    return qs.order_by(*(["-relevance"] if patterns else []), *order)


def _board_ranked(_lowered: list[str], typed: list[str]):
    return _board(typed)


def _board_rows(window, _lowered: list[str], typed: list[str]):
    """The rows of the jobs in `window` (ids from `_board_ranked`), in the board's order."""
    return (_board(typed).filter(pk__in=window).annotate(applicants=_applicants())
            .values(*JOB_ROW_FIELDS))


# A page of the board with the board's length (kernel.paged: counted_page, RankedPages),
# compiled once; a search of n terms, once per number of terms (kernel.patterns).
OPEN_JOB_ROWS = RankedPages(lambda: _board_ranked([], []), lambda window: _board_rows(window, [], []))
SEARCHED_JOB_ROWS = {
    n: RankedPages(build, lambda window, **patterns: _board_rows(
        window, [], [patterns[f"t{i}"] for i in range(len(patterns))]))
    for n, build in _searches(_board_ranked, "t").items()}


def job_board_page(query: str, page_number):
    """One page of the job board: 20 open jobs matching `query` (every term somewhere in the
    title, skills or description), by relevance (two points a term in the title or skills,
    one in the description), then the client's trust score (no score: after scored), newest
    first; as rows: title, budget, skills, applicants, the client's name and trust score."""
    terms = _terms(query)
    rows = SEARCHED_JOB_ROWS[len(terms)] if terms else OPEN_JOB_ROWS
    patterns = _patterns(terms, "t")
    return counted_page(lambda offset, size: rows.rows(offset, size, **patterns), PAGE,
                        page_number)


def trust_of(user):
    """The user's stored reputation (or None), without a query when already loaded."""
    return getattr(user, "reputation", None) if hasattr(user, "reputation") else None




def _feedback_to_leave_of(user_id: int, window_opened: datetime):
    given = Feedback.objects.filter(contract=OuterRef("pk"), author_id=user_id)
    return (Contract.objects.filter(Q(client_id=user_id) | Q(freelancer_id=user_id),
                                    state__in=["completed", "cancelled"],
                                    ended_at__gt=window_opened)
            .exclude(Exists(given)).order_by("ended_at", "id")
            .values("id", "title", "ended_at")[:50])


# On every dashboard: compiled once (kernel.compiled).
FEEDBACK_TO_LEAVE_OF = CompiledQuery(_feedback_to_leave_of)


def feedback_to_leave_read(user) -> Read:
    window = timedelta(days=settings.FEEDBACK_WINDOW_DAYS)
    return FEEDBACK_TO_LEAVE_OF.read(user_id=user.pk, window_opened=timezone.now() - window)


def feedback_to_leave(user, rows: list[dict] | None = None) -> list[dict]:
    """Ended contracts still in their feedback window where the user has not left feedback
    (at most 50), as rows with when the window closes (`closes_at`; `rows`: as
    `feedback_to_leave_read` read them)."""
    window = timedelta(days=settings.FEEDBACK_WINDOW_DAYS)
    rows = feedback_to_leave_read(user).rows() if rows is None else rows
    for row in rows:
        row["closes_at"] = row["ended_at"] + window
    return rows


def _titles(**ids):
    return Contract.objects.filter(pk__in=list(ids.values())).order_by().values("id", "title")


# The explanation names at most EXPLAINED_LINES contracts: their titles in one read compiled
# once, one slot per line (unused slots ask for contract 0, which no contract is).
_titles.__signature__ = inspect.Signature([
    inspect.Parameter(f"c{i}", inspect.Parameter.KEYWORD_ONLY, annotation=int)
    for i in range(EXPLAINED_LINES)])
TITLES = CompiledQuery(_titles)


def explanation_lines(reputation, *, owner: bool = False) -> list[dict]:
    """A stored explanation in words (first person for the owner), with the contracts'
    titles (one query)."""
    if reputation is None:
        return []
    lines = reputation.explanation
    wanted = [line["contract"] for line in lines if line.get("contract")]
    if not wanted:
        titles = {}
    elif len(wanted) <= EXPLAINED_LINES:
        slots = {f"c{i}": (wanted[i] if i < len(wanted) else 0) for i in range(EXPLAINED_LINES)}
        titles = {row["id"]: row["title"] for row in TITLES.rows(**slots)}
    else:
        titles = dict(Contract.objects.filter(pk__in=wanted).order_by()
                      .values_list("pk", "title"))
    return [{**line, "title": line.get("title") or titles.get(line["contract"], ""),
             "reasons": [reason_text(code, owner=owner) for code in line.get("reasons", [])]}
            for line in lines]


PERSON_ROW_FIELDS = ("id", "username", "first_name", "last_name", "closed_at", "headline",
                     "skills", "ranked_score")


def _directory_rows(lowered: list[str], typed: list[str]):
    return (_matching_freelancers(lowered, typed).annotate(**{LISTED: listed()})
            .values(*PERSON_ROW_FIELDS, LISTED))


# The whole directory is ranked on the freelancers' kept scores (an index in its order on
# PostgreSQL: migration 0005), then the twenty shown are read (kernel.paged.RankedPages).
FREELANCER_ROWS = RankedPages(
    lambda: _matching_freelancers([], []),
    lambda window: _matching_freelancers([], []).filter(pk__in=window).values(*PERSON_ROW_FIELDS))
SEARCHED_FREELANCER_ROWS = {n: CompiledPages(build)
                            for n, build in _searches(_directory_rows, "lt").items()}


def directory_page(query: str, page_number):
    """One page of the directory: 20 freelancers matching `query` (every term in their
    searchable text), by relevance (two points a term in their skills or headline, one
    elsewhere), then score (no score: after scored), then username; as rows: name,
    headline, skills, score."""
    terms = _terms(query)
    rows = SEARCHED_FREELANCER_ROWS[len(terms)] if terms else FREELANCER_ROWS
    patterns = _patterns(terms, "lt")
    return counted_page(lambda offset, size: rows.rows(offset, size, **patterns), PAGE,
                        page_number)


# A public profile (issue 17): the person with their stored reputation and how many revealed
# feedback rows they have in one read, the latest feedback (page 1 also feeds the ratings
# chart) in another, compiled once; the explanation's contract titles in a third.
PROFILE_FIELDS = ("id", "username", "first_name", "last_name", "closed_at", "role",
                  "is_active", "date_joined", "headline", "bio", "skills")
REPUTATION_FIELDS = tuple(name for name in fields_of(Reputation, "reputation__")
                          if name != "reputation__basis")  # what one more contract would do
FEEDBACK_FIELDS = ("id", "rating", "communication", "quality_or_clarity", "professionalism",
                   "comment", "reply", "after_dispute", "author_role", "created_at",
                   *User.name_values("author"))
HISTORY = 30


def _revealed_about(receiver_id: int):
    return Feedback.objects.filter(receiver_id=receiver_id, revealed_at__isnull=False)


def _profile_of(username: str):
    revealed = (_revealed_about(OuterRef("pk")).order_by().values("receiver_id")
                .annotate(n=Count("id")).values("n"))
    return (User.objects.filter(username=username).annotate(revealed=Subquery(revealed))
            .values(*PROFILE_FIELDS, *REPUTATION_FIELDS, "revealed")[:1])


def _feedback_about(receiver_id: int):
    return _revealed_about(receiver_id).order_by("-created_at", "-pk").values(*FEEDBACK_FIELDS)


def _ratings_of(receiver_id: int):
    return (_revealed_about(receiver_id).order_by("-created_at", "-pk")
            .values("created_at", "rating")[:HISTORY])


PROFILE_OF = CompiledQuery(_profile_of)
FEEDBACK_ABOUT = CompiledPages(_feedback_about)
RATINGS_OF = CompiledQuery(_ratings_of)


def profile_page(viewer, username: str, page_number) -> dict | None:
    """What a public profile shows, or None (404) for no such open client or freelancer
    account: the person and their stored reputation, a page of the revealed feedback about
    them (newest first, 20 a page), the latest 30 ratings for the chart, and the score's
    explanation in words (never cached: it is recomputed)."""
    row = PROFILE_OF.first(username=username)
    if row is None or not row["is_active"] or row["role"] not in (Role.CLIENT, Role.FREELANCER):
        return None
    person = instance(User, row)
    reputation = (instance(Reputation, row, via="reputation__")
                  if row["reputation__id"] is not None else None)
    User.reputation.related.set_cached_value(person, reputation)
    read_first: list[dict] = []

    def read(offset: int, size: int) -> list[dict]:
        if offset:
            return FEEDBACK_ABOUT.rows(offset, size, receiver_id=person.pk)
        read_first[:] = FEEDBACK_ABOUT.rows(0, max(size, HISTORY), receiver_id=person.pk)
        return read_first[:size]

    revealed = row["revealed"] or 0
    page = Paginator(PagedRows(revealed, read), PAGE).get_page(page_number)
    latest = (read_first if read_first or not revealed
              else RATINGS_OF.rows(receiver_id=person.pk))
    is_me = viewer.is_authenticated and viewer.pk == person.pk
    return {"person": person, "reputation": reputation, "feedback_page": page,
            "history": [(r["created_at"], r["rating"]) for r in reversed(latest[:HISTORY])],
            "explanation": explanation_lines(reputation, owner=is_me), "is_me": is_me}
