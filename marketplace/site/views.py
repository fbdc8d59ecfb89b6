"""The site's own pages: the dashboard (or the welcome page), the policy, health, robots."""

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from marketplace.kernel import scoring
from marketplace.kernel.checkpoints import published_keys
from marketplace.site.dashboard import action_items


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
    return render(request, "marketplace/policy.html", {
        "policy": settings, "scoring": points, "checkpoint_keys": published_keys(),
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
