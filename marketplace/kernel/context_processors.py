"""Values every page's frame needs: the unread notification count (one query, compiled once),
the links of the navigation bar, the stylesheets' and scripts' addresses, and the page's frame
(kernel.frame)."""

from django.conf import settings
from django.core.signals import setting_changed
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from marketplace.kernel.frame import Frame, csrf_token_of
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


# Every page's stylesheets and scripts: their addresses (hashed names from the static files'
# manifest) change only when the files are collected again, which means a restart.
ASSETS = {"bootstrap_css": "vendor/bootstrap/css/bootstrap.min.css",
          "icons_css": "vendor/bootstrap-icons/bootstrap-icons.min.css",
          "app_css": "css/app.css", "bootstrap_js": "vendor/bootstrap/js/bootstrap.bundle.min.js",
          "app_js": "js/app.js"}
_assets: dict[str, str] = {}


def assets() -> dict[str, str]:
    if not _assets:
        _assets.update({name: static(path) for name, path in ASSETS.items()})
    return _assets


def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _nav_urls.clear()
    if setting in ("STATIC_URL", "STORAGES", "STATICFILES_STORAGE"):
        _assets.clear()


setting_changed.connect(_forget)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0, "policy": settings, "nav": nav_urls(),
                "assets": assets(), "frame": Frame(request, nav_urls())}
    frame = Frame(request, nav_urls(), unread=lambda: unread_count(user))
    return {
        # In place of Django's own (masked at each use): one token for the whole page.
        "csrf_token": SimpleLazyObject(lambda: csrf_token_of(request)),
        "unread_notifications": SimpleLazyObject(lambda: frame.unread),
        "policy": settings,
        "nav": nav_urls(),
        "assets": assets(),
        "frame": frame,
    }
