"""Values every page's navigation needs: the unread notification count (one query, compiled
once) and the links of the navigation bar."""

from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from marketplace.kernel.services.notifications import unread_count

# The navigation bar's links take no arguments, so they are the same on every page: reversed
# once per URL configuration and script prefix instead of a dozen times per page.
NAV_ROUTES = ("dashboard", "contracts:list", "contracts:wallet", "reputation:directory",
              "reputation:jobs", "policy", "stats", "notifications", "profile_settings",
              "account_email", "account_change_password", "admin:index", "account_logout",
              "account_login", "account_signup")
_nav_urls: dict[tuple, dict[str, str]] = {}


def nav_urls() -> dict[str, str]:
    key = (get_urlconf(), get_script_prefix())
    urls = _nav_urls.get(key)
    if urls is None:
        urls = _nav_urls[key] = {name.replace(":", "_"): reverse(name) for name in NAV_ROUTES}
    return urls


def _forget_nav_urls(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _nav_urls.clear()


setting_changed.connect(_forget_nav_urls)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0, "policy": settings, "nav": nav_urls()}
    return {
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user)),
        "policy": settings,
        "nav": nav_urls(),
    }
