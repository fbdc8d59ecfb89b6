"""Request-level guards and the user's time zone.

- RequestSizeMiddleware refuses a body larger than the largest legitimate request (413) on its
  declared length, before anything reads it.
- BadInputMiddleware answers 400 to NUL and other control characters in the path, the query
  string or a cookie, and to NUL in any form field (a database cannot store it); forms refuse
  the other control characters with a message on the field (marketplace.kernel.forms).
- PrivateCacheMiddleware marks every response to a signed-in user `private, no-store`.
- UserTimezoneMiddleware shows every date in the signed-in user's own time zone.
"""

import re
import zoneinfo

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

# C0 controls, DEL and C1 controls; a form's multi-line text may hold tab, newline and CR.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _plain_page(status: int, title: str, text: str) -> HttpResponse:
    """A page that needs no database and no signed-in user (it may answer before either)."""
    html = render_to_string("errors/plain.html", {"status": status, "title": title, "text": text})
    return HttpResponse(html, status=status)


class RequestSizeMiddleware:
    """Refuse a body over MAX_REQUEST_BYTES by its Content-Length, before it is read: the
    server then stops receiving it. A body without a declared length (chunked) is refused
    too, since it could not be measured before it is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH")
        if not declared and "HTTP_TRANSFER_ENCODING" in request.META:
            return _plain_page(411, _("Length required"),
                               _("Send the request with its length (Content-Length)."))
        try:
            length = int(declared) if declared else 0
        except ValueError:
            return _plain_page(400, _("Bad request"), _("The request's length is not a number."))
        if length > settings.MAX_REQUEST_BYTES:
            # The server, not the app, closes the connection on an unread body (WSGI forbids
            # the app a Connection header).
            return _plain_page(413, _("Too large"), _(
                "This request is larger than the %(mb)s MB we accept: at most %(files)s files "
                "of %(each)s MB each can go with a message.") % {
                "mb": settings.MAX_REQUEST_BYTES // (1024 * 1024),
                "files": settings.ATTACHMENTS_PER_MESSAGE, "each": settings.ATTACHMENT_MAX_MB})
        return self.get_response(request)


def _has_control(values, allowed: str = "") -> bool:
    return any(CONTROL_CHARACTERS.search(value.translate({ord(c): None for c in allowed}))
               for value in values)


class BadInputMiddleware:
    """400, with a clear page, for input no page could use: control characters in the path,
    the query string or a cookie, and NUL anywhere in a posted form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = [text for key, values in request.GET.lists() for text in (key, *values)]
        cookies = [text for item in request.COOKIES.items() for text in item]
        if _has_control([request.path, *query, *cookies]):
            return self._refuse(_("The address or a cookie contains a control character "
                                  "(such as %00). Check the link you followed."))
        if request.method == "POST" and request.content_type in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            posted = [text for key, values in request.POST.lists() for text in (key, *values)]
            if any("\x00" in text for text in posted):
                return self._refuse(_("The form contains a NUL character, which no text may "
                                      "hold. Remove it and send the form again."))
        return self.get_response(request)

    def _refuse(self, text: str) -> HttpResponse:
        return _plain_page(400, _("Bad request"), text)


class PrivateCacheMiddleware:
    """Pages for a signed-in user are theirs alone: no shared cache may keep them and no
    browser may store them (a wallet on a shared computer)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        name = getattr(user, "timezone", None) if user is not None and user.is_authenticated else None
        if name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
