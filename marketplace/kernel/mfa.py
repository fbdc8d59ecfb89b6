"""Two-factor sign-in (spec section 2): staff must use it, parties may.

django-allauth's MFA does the work (TOTP and recovery codes, the login challenge). What it
leaves to the project is here:

- `EncryptingMFAAdapter`: the stored TOTP secrets and recovery-code seeds are encrypted
  (Fernet, keys from MFA_ENCRYPTION_KEYS), so a copy of the database does not give away
  anyone's second factor.
- `StaffSecondFactorMiddleware`: allauth has no setting that makes MFA compulsory. A staff
  member who has not enrolled is sent to enrol, and one whose session has not passed the
  second factor is sent to the challenge, before any page but those needed to do exactly
  that (or to sign out). That covers the console and every page a case worker opens.
- `record_enrolment`: activating TOTP checks a code from the new device, so the session that
  enrolled has passed the second factor (allauth would ask for a code once more).
"""

import functools
import time

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from allauth.mfa.utils import decrypt
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


class EncryptingMFAAdapter(DefaultMFAAdapter):
    """allauth's adapter, with its secrets encrypted at rest. The first key of
    MFA_ENCRYPTION_KEYS encrypts; every key decrypts, so keys can be rotated."""

    def encrypt(self, text: str) -> str:
        return _fernet(tuple(settings.MFA_ENCRYPTION_KEYS)).encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet(tuple(settings.MFA_ENCRYPTION_KEYS)).decrypt(
            encrypted_text.encode()).decode()


def is_enrolled(user) -> bool:
    """Whether `user` has an authenticator app (TOTP) set up. Recovery codes alone do not
    count: they are the way back in when the device is lost, not a second factor to enrol."""
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def passed_second_factor(request) -> bool:
    """Whether this session passed the second factor (at sign-in, or since)."""
    return any(record.get("method") == "mfa"
               for record in get_authentication_records(request, request.user))


def record_enrolment(sender, request=None, user=None, authenticator=None, **kwargs) -> None:
    """`authenticator_added` receiver: the code typed to activate TOTP is the second factor."""
    if request is not None and authenticator is not None and (
            authenticator.type == Authenticator.Type.TOTP):
        # allauth's own record of an MFA step (pinned version: allauth's internal API).
        record_authentication(request, user, method="mfa", type=authenticator.type,
                              id=authenticator.pk)


# The pages a staff member without a passed second factor may still open: enrolling, the
# challenge, confirming an email (TOTP needs a verified address), signing in and out.
OPEN_URL_NAMES = {
    "account_login", "account_logout", "account_reauthenticate", "account_email",
    "account_confirm_email", "account_email_verification_sent", "healthz",
}
OPEN_ADMIN_URL_NAMES = {"logout"}


class StaffSecondFactorMiddleware:
    """Staff pass a second factor, in this session, before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return None
        if self._open(request.resolver_match):
            return None
        if not is_enrolled(user):
            return self._redirect("mfa_activate_totp", request)
        if not passed_second_factor(request):
            return self._redirect("mfa_reauthenticate", request)
        return None

    @staticmethod
    def _open(match) -> bool:
        if match is None:
            return False
        if match.namespace == "admin":
            return match.url_name in OPEN_ADMIN_URL_NAMES
        return match.url_name in OPEN_URL_NAMES or (match.url_name or "").startswith("mfa_")

    @staticmethod
    def _redirect(url_name: str, request) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}")


# --- enrolling and codes outside the pages (the demo, the tests) --------------------------


def enrol_totp(user, secret: str | None = None) -> str:
    """Set up TOTP (and recovery codes) for `user` as the activation page does, without the
    page; returns the secret (base32), which the database keeps only encrypted."""
    secret = secret or generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def totp_secret(user) -> str:
    authenticator = Authenticator.objects.get(user_id=user.pk, type=Authenticator.Type.TOTP)
    return decrypt(authenticator.data["secret"])


def totp_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app with `secret` shows now (or at the Unix time `at`)."""
    counter = int(time.time() if at is None else at) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def current_totp_code(user, at: float | None = None) -> str:
    """The code `user`'s authenticator app shows now (or at the Unix time `at`)."""
    return totp_code(totp_secret(user), at)
