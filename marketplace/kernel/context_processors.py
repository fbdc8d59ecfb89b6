"""Values every page's frame needs: the unread notification count (one query, compiled once),
the links of the navigation bar and the stylesheets' and scripts' addresses, and the parts of
the navigation bar that are the same for every viewer of one kind."""

from django.conf import settings
from django.core.signals import setting_changed
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from marketplace.kernel.services.notifications import badge_text, unread_count

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


# The navigation bar's lists of links (templates/_frame_links.html) depend only on the
# language and on the kind of viewer (signed in or not, role, staff): a dozen translated,
# linked items rendered once per process for each, not on every page. Never memoised with
# DEBUG on, so an edited template shows at once while developing.
_frames: dict[tuple, dict[str, str]] = {}


def frame(user) -> dict[str, str]:
    signed_in = bool(user is not None and user.is_authenticated)
    kind = (signed_in, getattr(user, "role", ""), signed_in and user.is_staff)
    key = (translation.get_language(), kind, get_urlconf(), get_script_prefix())
    parts = _frames.get(key)
    if parts is None:
        context = {"nav": nav_urls(), "signed_in": kind[0], "role": kind[1], "staff": kind[2]}
        parts = {part: render_to_string("_frame_links.html", {**context, "part": part})
                 for part in ("links", "account")}
        if not settings.DEBUG:
            _frames[key] = parts
    return parts


def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _nav_urls.clear()
        _frames.clear()
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "TEMPLATES", "DEBUG"):
        _frames.clear()
    if setting in ("STATIC_URL", "STORAGES", "STATICFILES_STORAGE"):
        _assets.clear()


setting_changed.connect(_forget)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0, "unread_badge": "", "policy": settings,
                "nav": nav_urls(), "assets": assets(), "frame": frame(user)}
    unread = SimpleLazyObject(lambda: unread_count(user))
    return {
        "unread_notifications": unread,
        "unread_badge": SimpleLazyObject(lambda: badge_text(unread)),
        "policy": settings,
        "nav": nav_urls(),
        "assets": assets(),
        "frame": frame(user),
    }
