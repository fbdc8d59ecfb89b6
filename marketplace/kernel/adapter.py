"""allauth's account adapter, adjusted: failed logins are throttled per (address, account) and
per address in the shared throttle cache, the client's address comes from
`marketplace.kernel.throttle.client_address` (trusted proxies only, never a 500), usernames
that closed accounts use as pseudonyms cannot be taken at sign-up, and its mail (address
confirmation, password reset) goes through the mail queue, so no request talks to the mail
server and an account mail is retried like any other."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.auth import get_user_model
from django.contrib.sites.shortcuts import get_current_site
from django.db.models import Q
from django.forms import ValidationError
from django.utils.translation import gettext as _

from marketplace.kernel.mail.delivery import queue_prepared_mail
from marketplace.kernel.services.accounts import CLOSED_PREFIX
from marketplace.kernel.throttle import LOGIN_FAILED, client_address


def _account_of(credentials: dict) -> str:
    """The account a login names, whichever way it was typed (username or email): its id when
    it exists, so both ways count together; the typed text otherwise."""
    typed = (credentials.get("email") or credentials.get("username") or "").strip()
    user_id = (get_user_model().objects.filter(Q(username__iexact=typed) | Q(email__iexact=typed))
               .values_list("pk", flat=True).first() if typed else None)
    return f"user:{user_id}" if user_id else f"login:{typed.lower()}"


class AccountAdapter(DefaultAccountAdapter):
    def pre_authenticate(self, request, **credentials) -> None:
        self._throttled_account = _account_of(credentials)
        refusal = LOGIN_FAILED.refusal(request, self._throttled_account)
        if refusal:
            raise ValidationError(refusal, code="too_many_login_attempts")

    def authentication_failed(self, request, **credentials) -> None:
        LOGIN_FAILED.count(request, getattr(self, "_throttled_account", None)
                           or _account_of(credentials))

    def get_client_ip(self, request) -> str:
        return client_address(request)

    def clean_username(self, username, shallow=False):
        if username.lower().startswith(CLOSED_PREFIX):
            raise ValidationError(
                _("Usernames that begin with “%(prefix)s” are kept for closed accounts; choose "
                  "another.") % {"prefix": CLOSED_PREFIX}, code="reserved")
        return super().clean_username(username, shallow=shallow)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # As DefaultAccountAdapter.send_mail builds it, queued instead of sent.
        request = allauth_context.request
        full = {"request": request, "email": email, "current_site": get_current_site(request),
                **context}
        message = self.render_mail(template_prefix, email, full)
        user = full.get("user")
        queue_prepared_mail(message, recipient=user if getattr(user, "pk", None) else None)


def forgive_failed_logins(sender, request, user, **kwargs):
    """allauth's `password_reset` signal: a reset through the mailed link proves the owner, so
    the failed attempts counted for that account from their address are forgotten."""
    LOGIN_FAILED.forget(request, f"user:{user.pk}")
