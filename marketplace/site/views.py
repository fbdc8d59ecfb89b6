"""The site's own pages: the dashboard (or the welcome page), the policy, health, robots,
and the server-error page (503 while the database is unreachable)."""

import logging
import sys

from django.conf import settings
from django.db import connection
from django.db.utils import DataError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache

from marketplace.kernel import clauses, scoring
from marketplace.kernel.checkpoints import CheckpointError, published_keys
from marketplace.site.dashboard import action_items, case_work

RETRY_AFTER_SECONDS = 30
logger = logging.getLogger(__name__)


def dashboard(request):
    if not request.user.is_authenticated:
        return render(request, "marketplace/welcome.html")
    work = case_work(request.user)
    if work is not None:  # staff are no party: their dashboard is their cases
        return render(request, "marketplace/dashboard.html", {"case_work": work})
    items = action_items(request.user)
    return render(request, "marketplace/dashboard.html", {
        "mine": [i for i in items if i.waiting_on_me],
        "theirs": [i for i in items if not i.waiting_on_me],
    })


def policy(request):
    """The rules in plain words: numbered clauses with the settings in force, every deadline,
    the two cancellation paths as a diagram, and worked examples of the scoring."""
    return render(request, "marketplace/policy.html", {
        "sections": [(section, [(clause, clause.words()) for clause in section.clauses])
                     for section in clauses.SECTIONS],
        "deadlines": deadline_table(),
        "examples": [(example, example.result()) for example in scoring.WORKED_EXAMPLES],
        "low_trust": settings.LOW_TRUST_SCORE, "checkpoint_keys": checkpoint_keys(),
    })


def checkpoint_keys() -> list:
    """The public keys that verify the record's signed checkpoints (shown on the policy)."""
    try:
        return published_keys()
    except CheckpointError:  # misconfigured: the start-up check (marketplace.E001) says how
        logger.exception("CHECKPOINT_PUBLIC_KEYS cannot be read")
        return []


def deadline_table() -> list[dict]:
    """Every deadline of the policy, with its value in force and what happens when it ends."""
    s = settings
    rows = [
        {"what": _("Answering an offer"), "days": s.OFFER_EXPIRY_DAYS, "clause": "1.2",
         "then": _("the offer expires")},
        {"what": _("Reviewing a delivered milestone"), "days": s.MILESTONE_AUTO_RELEASE_DAYS,
         "clause": "2.2", "then": _("the milestone is released to the freelancer")},
        {"what": _("Answering a cancellation request or counter-proposal"),
         "days": s.CANCELLATION_RESPONSE_DAYS, "clause": "3.3",
         "then": _("the terms on the table apply (accepted by timeout)")},
        {"what": _("Direct dialogue before disputing a denial"),
         "hours": s.NEGOTIATION_MIN_HOURS, "clause": "3.4",
         "then": _("the freelancer may dispute even without an answer")},
        {"what": _("Disputing a denial"), "days": s.DENIAL_DISPUTE_DAYS, "clause": "3.4",
         "then": _("the request lapses; the contract continues")},
        {"what": _("Direct negotiation in a dispute"), "days": s.NEGOTIATION_DAYS,
         "clause": "4.1", "then": _("a mediator takes the case")},
        {"what": _("The mediator's proposal (service level)"), "days": s.MEDIATION_SLA_DAYS,
         "clause": "4.2", "then": _("the case shows as overdue to staff")},
        {"what": _("Answering the mediator's proposal"), "days": s.PROPOSAL_RESPONSE_DAYS,
         "clause": "4.2", "then": _("silence counts as acceptance")},
        {"what": _("The arbitrator's decision (service level)"),
         "days": s.ARBITRATION_SLA_DAYS, "clause": "4.3",
         "then": _("the case shows as overdue to staff")},
        {"what": _("Leaving feedback"), "days": s.FEEDBACK_WINDOW_DAYS, "clause": "5.1",
         "then": _("the window closes and feedback left so far is shown")},
        {"what": _("A contract with no activity and nothing in escrow"),
         "days": s.DORMANT_CONTRACT_DAYS, "clause": "2.4",
         "then": _("it is closed, nobody's fault")},
    ]
    for row in rows:
        row["anchor"] = clauses.CLAUSES[row["clause"]].anchor
    return rows


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 (any database failure means unhealthy)
        return JsonResponse({"status": "error", "database": str(exc.__class__.__name__)},
                            status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /contracts/\nDisallow: /admin/\n",
                        content_type="text/plain")


def server_error(request):
    """handler500: when the database cannot be reached (a restart, a failover), say so with a
    503 and Retry-After, on a page that needs no database, instead of a bare 500; each
    request tries afresh, so pages come back by themselves once it is reachable. Input the
    database refuses (a NUL that slipped past the checks) is a 400. Anything else is a 500."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(render_to_string("errors/plain.html", {
            "status": 503, "retry": True, "title": _("Back in a moment"),
            "text": _("We cannot reach our database just now.")}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if isinstance(error, DataError) and "NUL" in str(error):
        return HttpResponse(render_to_string("errors/plain.html", {
            "status": 400, "title": _("Bad request"),
            "text": _("The request contains a NUL character, which no text may hold.")}),
            status=400)
    return defaults.server_error(request)
