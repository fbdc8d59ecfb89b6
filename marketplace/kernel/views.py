"""Account pages: notifications, profile settings, closing an account."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Max, Window
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from marketplace.kernel.errors import DomainError
from marketplace.kernel.forms import ProfileForm
from marketplace.kernel.links import row_link
from marketplace.kernel.mfa import is_enrolled
from marketplace.kernel.models import Notification
from marketplace.kernel.services.accounts import account_close
from marketplace.kernel.services.notifications import (
    mark_all_read,
    notification_open,
    safe_target,
)


@login_required
def notification_list(request):
    """The user's notices grouped by contract (its cases' notices are the contract's): the
    group with the newest notice first, the newest first inside each group."""
    notices = (
        Notification.objects.filter(user=request.user).select_related("contract")
        .annotate(group_latest=Window(Max("created_at"), partition_by=[F("contract_id")]))
        # The contract id after the group's moment keeps two groups that end at the same
        # instant (a batch of deadline notices) apart.
        .order_by("-group_latest", F("contract_id").desc(nulls_last=True), "-created_at", "-id")
    )
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    open_link = row_link("notifications_open")
    for notice in page.object_list:
        notice.open_url = open_link(notice.pk) if safe_target(notice.url) else ""
    return render(request, "marketplace/notifications.html", {"page": page})


@login_required
@require_GET
def notification_open_view(request, pk: int):
    """Follow a notice's link and mark it read: a GET, since it is a link, and idempotent;
    it only ever marks the viewer's own notice (another's is 404) and only ever redirects to
    a path on this site."""
    notice = notification_open(user=request.user, notification_id=pk)
    if notice is None:
        raise Http404
    return redirect(safe_target(notice.url) or "notifications")


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
    return render(request, "marketplace/profile_settings.html", {
        "form": form, "two_factor_on": is_enrolled(request.user)})


@login_required
def account_close_view(request):
    """Confirm with the username, then close: personal data goes, the record stays."""
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
