"""Reads for the directory, the job board and profiles: ranked in SQL, constant queries."""

import inspect
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
from marketplace.kernel.compiled import CompiledQuery, fields_of, instance
from marketplace.kernel.models import Role, User
from marketplace.kernel.paged import CompiledPages, PagedRows
from marketplace.kernel.scoring import EXPLAINED_LINES, reason_text
from reputation.models import Application, Feedback, Job, JobState, Reputation

MAX_TERMS = 5


def _terms(query: str) -> list[str]:
    return [t for t in (query or "").split() if len(t) <= 50][:MAX_TERMS]


def _relevance(terms, strong: list[str], weak: list[str] | None):
    """Two points per term found in a strong field (skills, title), one in a weak one. With
    `weak=None` every term is known to match somewhere (the rows were filtered on it)."""
    score = Value(0, output_field=IntegerField())
    for term in terms:
        strong_q = Q()
        for f in strong:
            strong_q |= Q(**{f"{f}__icontains": term})
        if weak is None:
            score = score + Case(When(strong_q, then=2), default=1, output_field=IntegerField())
            continue
        weak_q = Q()
        for f in weak:
            weak_q |= Q(**{f"{f}__icontains": term})
        score = score + Case(When(strong_q, then=2), When(weak_q, then=1), default=0,
                             output_field=IntegerField())
    return score


def freelancer_directory(query: str = ""):
    """Freelancers matching the query, by relevance, then score (no score: after scored)."""
    terms = _terms(query)
    qs = User.objects.filter(role=Role.FREELANCER, is_active=True)
    for term in terms:  # every term must match somewhere (indexed on PostgreSQL)
        qs = qs.filter(search_text__contains=term.lower())
    if terms:
        qs = qs.annotate(relevance=_relevance(terms, ["skills", "headline"], None))
    order = [F("reputation__score").desc(nulls_last=True), "username"]
    return qs.order_by(*(["-relevance"] if terms else []), *order)


# The job board and the directory (issue 17): rows of what they show, the unsearched lists'
# pages and lengths compiled once; a search (its patterns cannot be compiled) is read through
# the ORM with the same filter and ranking as above.
PAGE = 20

JOB_ROW_FIELDS = ("id", "title", "budget_cents", "skills", *User.name_values("client"),
                  "client__reputation__score", "applicants")


def _applicants():
    return Coalesce(Subquery(Application.objects.filter(job_id=OuterRef("pk")).order_by()
                             .values("job_id").annotate(n=Count("id")).values("n")), 0)


def _board(terms: list[str]):
    qs = Job.objects.filter(state=JobState.OPEN)
    if terms:
        qs = (qs.annotate(relevance=_relevance(terms, ["title", "skills"], ["description"]))
              .filter(relevance__gt=0))
    order = [F("client__reputation__score").desc(nulls_last=True), "-created_at", "-pk"]
    return qs.order_by(*(["-relevance"] if terms else []), *order)


def _open_jobs(state: str):
    return (Job.objects.filter(state=state).order_by()
            .values("state").annotate(n=Count("id")).values("n"))


def _open_job_rows(state: str):
    return (_board([]).filter(state=state).annotate(applicants=_applicants())
            .values(*JOB_ROW_FIELDS))


OPEN_JOBS = CompiledQuery(_open_jobs)
OPEN_JOB_ROWS = CompiledPages(_open_job_rows)


def job_board_page(query: str, page_number):
    """One page of the job board: 20 open jobs matching `query` (every term somewhere in the
    title, skills or description), by relevance (two points a term in the title or skills,
    one in the description), then the client's trust score (no score: after scored), newest
    first; as rows: title, budget, skills, applicants, the client's name and trust score."""
    terms = _terms(query)
    if terms:
        board = _board(terms).annotate(applicants=_applicants()).values(*JOB_ROW_FIELDS)
        return Paginator(board, PAGE).get_page(page_number)
    counted = OPEN_JOBS.first(state=JobState.OPEN)
    jobs = PagedRows(counted["n"] if counted else 0, lambda offset, size: OPEN_JOB_ROWS.rows(
        offset, size, state=JobState.OPEN))
    return Paginator(jobs, PAGE).get_page(page_number)


def revealed_feedback_about(user):
    return (Feedback.objects.filter(receiver=user, revealed_at__isnull=False)
            .select_related("author", "contract").order_by("-created_at", "-pk"))


def rating_history(user, limit: int = 30) -> list[tuple]:
    """(when, rating) of the latest revealed ratings, oldest first, for the small chart."""
    rows = list(Feedback.objects.filter(receiver=user, revealed_at__isnull=False)
                .order_by("-created_at", "-pk").values_list("created_at", "rating")[:limit])
    return list(reversed(rows))


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


def feedback_to_leave(user) -> list[dict]:
    """Ended contracts still in their feedback window where the user has not left feedback
    (at most 50), as rows with when the window closes (`closes_at`)."""
    window = timedelta(days=settings.FEEDBACK_WINDOW_DAYS)
    rows = FEEDBACK_TO_LEAVE_OF.rows(user_id=user.pk, window_opened=timezone.now() - window)
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
                     "skills", "reputation__score")


def _freelancers(role: str):
    return (User.objects.filter(role=role, is_active=True).order_by()
            .values("role").annotate(n=Count("id")).values("n"))


def _freelancer_rows(role: str):
    return (User.objects.filter(role=role, is_active=True)
            .order_by(F("reputation__score").desc(nulls_last=True), "username")
            .values(*PERSON_ROW_FIELDS))


FREELANCERS = CompiledQuery(_freelancers)
FREELANCER_ROWS = CompiledPages(_freelancer_rows)


def directory_page(query: str, page_number):
    """One page of the directory: 20 freelancers matching `query` (every term in their
    searchable text), by relevance (two points a term in their skills or headline, one
    elsewhere), then score (no score: after scored), then username; as rows: name,
    headline, skills, score."""
    if _terms(query):
        return Paginator(freelancer_directory(query).values(*PERSON_ROW_FIELDS),
                         PAGE).get_page(page_number)
    counted = FREELANCERS.first(role=Role.FREELANCER)
    people = PagedRows(counted["n"] if counted else 0, lambda offset, size: FREELANCER_ROWS.rows(
        offset, size, role=Role.FREELANCER))
    return Paginator(people, PAGE).get_page(page_number)


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
