"""Every page's frame (templates/_frame.html): the skip link, the navigation bar, the unread
badge and the footer, placed by base.html.

The frame is the same for every viewer of one kind (signed in or not, role, staff) in one
language, except for a few values of the viewer's own: their name, their profile's link,
the unread count, the sign-out form's CSRF token and their time zone. So it is rendered once
per process for each language and kind, with stand-ins where those values go, and each
request puts its own values, escaped, in their place: a few string replacements instead of
some forty template nodes, translations and lookups on every page. Never memoised with DEBUG
on, so an edited template shows at once while developing.
"""

from django.conf import settings
from django.core.signals import setting_changed
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from marketplace.kernel.models import Role
from marketplace.kernel.services.notifications import badge_text

# Stand-ins: letters only, so escaping leaves them whole, and nothing a page could contain.
USERNAME, PROFILE, BADGE, CSRF, ZONE, COUNT = (
    f"FRAMExSTANDxIN{name}" for name in ("USER", "PROFILE", "BADGE", "CSRF", "ZONE", "COUNT"))
PARTS = ("top", "badge", "footer")

_parts: dict[tuple, dict[str, str]] = {}


def _kind(user) -> tuple:
    signed_in = bool(user is not None and user.is_authenticated)
    return (signed_in, getattr(user, "role", "") if signed_in else "",
            signed_in and user.is_staff)


def parts_for(user, nav: dict) -> dict[str, str]:
    """The frame's parts with their stand-ins, for this viewer's kind and language."""
    kind = _kind(user)
    key = (translation.get_language(), kind, get_urlconf(), get_script_prefix())
    parts = _parts.get(key)
    if parts is None:
        signed_in, role, staff = kind
        context = {"nav": nav, "signed_in": signed_in, "role": role, "staff": staff,
                   "role_label": Role(role).label if role in Role.values else role,
                   "username": USERNAME, "profile_url": PROFILE,
                   "badge": mark_safe(BADGE), "csrf_input": mark_safe(CSRF),  # noqa: S308
                   "zone": ZONE, "count": COUNT}
        parts = {part: str(render_to_string("_frame.html", {**context, "part": part})).rstrip("\n")
                 for part in PARTS}
        if not settings.DEBUG:
            _parts[key] = parts
    return parts


class Frame:
    """The frame of one request's page; each part is built only if the page shows it (the
    console and e-mail templates render with the same context processors)."""

    def __init__(self, request, nav: dict, unread=None):
        self.request = request
        self.user = getattr(request, "user", None)
        self.nav = nav
        self._count_unread = unread

    @cached_property
    def unread(self) -> int:
        """The viewer's unread notices (one query, made at most once per request)."""
        return self._count_unread() if self._count_unread else 0

    @cached_property
    def _parts(self) -> dict[str, str]:
        return parts_for(self.user, self.nav)

    @cached_property
    def top(self) -> SafeString:
        html = self._parts["top"]
        if self.user is not None and self.user.is_authenticated:
            username = self.user.get_username()
            count = self.unread
            badge = (self._parts["badge"].replace(COUNT, escape(badge_text(count)))
                     if count else "")
            token = escape(csrf_token_of(self.request))
            html = (html.replace(USERNAME, escape(username))
                    .replace(PROFILE, escape(reverse("public_profile", args=[username])))
                    .replace(BADGE, badge)
                    .replace(CSRF, f'<input type="hidden" name="csrfmiddlewaretoken" '
                                   f'value="{token}">'))
        return mark_safe(html)  # noqa: S308 (our template, the viewer's values escaped)

    @cached_property
    def footer(self) -> SafeString:
        html = self._parts["footer"]
        if self.user is not None and self.user.is_authenticated:
            html = html.replace(ZONE, escape(self.user.timezone))
        return mark_safe(html)  # noqa: S308 (our template, the viewer's values escaped)


def csrf_token_of(request) -> str:
    """The request's masked CSRF token, masked once: shared by the frame's sign-out form and
    every form of the page (the context's `csrf_token`, context_processors.navigation).
    Django masks anew at each `get_token` call (32 random characters): one mask per
    response is what its defence against compression attacks needs."""
    token = getattr(request, "_csrf_token_masked", None)
    if token is None:
        token = request._csrf_token_masked = get_token(request)
    return token


def _forget(*, setting, **kwargs):
    if setting in ("ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE", "TEMPLATES", "DEBUG"):
        _parts.clear()


setting_changed.connect(_forget)
