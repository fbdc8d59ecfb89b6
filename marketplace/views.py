"""Project-wide pages: dashboard, notifications, profile settings, public profile, policy, health."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from marketplace.dashboard import action_items
from marketplace.errors import DomainError
from marketplace.forms import ProfileForm
from marketplace.models import Notification
from marketplace.services.notifications import mark_all_read


def dashboard(request):
    if not request.user.is_authenticated:
        return render(request, "marketplace/welcome.html")
    items = action_items(request.user)
    return render(request, "marketplace/dashboard.html", {
        "mine": [i for i in items if i.waiting_on_me],
        "theirs": [i for i in items if not i.waiting_on_me],
    })


@login_required
def notification_list(request):
    page = Paginator(
        Notification.objects.filter(user=request.user).select_related("contract"), 30
    ).get_page(request.GET.get("page"))
    return render(request, "marketplace/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    mark_all_read(user=request.user)
    return redirect("notifications")


@login_required
def profile_settings(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("profile_settings")
    return render(request, "marketplace/profile_settings.html", {"form": form})


def policy(request):
    from reputation import scoring

    points = {key: f"{value:+d}" for key, value in scoring.POINTS.items()}
    points.update(base=scoring.BASE, rating_step=scoring.POINTS["rating_step"],
                  recent=scoring.RECENT)
    return render(request, "marketplace/policy.html", {"policy": settings, "scoring": points})


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


@login_required
def account_close_view(request):
    """Confirm with the username, then close: personal data goes, the record stays."""
    from django.contrib.auth import logout

    from marketplace.services.accounts import account_close

    error = None
    if request.method == "POST":
        if request.POST.get("confirm", "").strip() != request.user.username:
            error = _("Type your username to confirm.")
        else:
            try:
                account_close(actor=request.user)
            except DomainError as exc:
                error = exc.message
            else:
                logout(request)
                messages.success(request, _("Your account is closed. Contract records keep a "
                                            "pseudonym in place of your name."))
                return redirect("dashboard")
    return render(request, "marketplace/account_close.html", {"error": error},
                  status=400 if error else 200)
