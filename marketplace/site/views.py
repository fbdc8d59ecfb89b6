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

from marketplace.kernel import scoring
from marketplace.kernel.checkpoints import CheckpointError, published_keys
from marketplace.site.dashboard import action_items

RETRY_AFTER_SECONDS = 30
logger = logging.getLogger(__name__)


def dashboard(request):
    if not request.user.is_authenticated:
        return render(request, "marketplace/welcome.html")
    items = action_items(request.user)
    return render(request, "marketplace/dashboard.html", {
        "mine": [i for i in items if i.waiting_on_me],
        "theirs": [i for i in items if not i.waiting_on_me],
    })


def policy(request):
    points = {key: f"{value:+d}" for key, value in scoring.POINTS.items()}
    points.update(base=scoring.BASE, rating_step=scoring.POINTS["rating_step"],
                  recent=scoring.RECENT)
    try:
        keys = published_keys()
    except CheckpointError:  # misconfigured: the start-up check (marketplace.E001) says how
        logger.exception("CHECKPOINT_PUBLIC_KEYS cannot be read")
        keys = []
    return render(request, "marketplace/policy.html", {
        "policy": settings, "scoring": points, "checkpoint_keys": keys,
    })


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
