"""Closing an account: personal data is pseudonymised; the record and the ledger stay intact.

Events are hashed over user ids, never names, so every chain still verifies after closure;
ledger entries point at accounts, not at personal data. What must be settled first (live
contracts, money in the wallet) is known to the apps above: they register a check each.
"""

import secrets
from collections.abc import Callable

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.kernel.errors import DomainError

# Each check takes the (locked) user and returns why the account cannot close yet, or None.
CLOSURE_CHECKS: list[Callable] = []


def register_closure_check(check: Callable) -> None:
    if check not in CLOSURE_CHECKS:
        CLOSURE_CHECKS.append(check)


def account_close(*, actor) -> None:
    """Close the actor's account. Refused while a contract is live or the wallet holds money,
    so nothing anyone is owed is lost."""
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        if user.closed_at:
            raise DomainError(_("This account is already closed."))
        for check in CLOSURE_CHECKS:
            refusal = check(user)
            if refusal:
                raise DomainError(refusal)
        user.username = closed_username(user)
        user.email = f"{user.username}@closed.invalid"
        user.first_name = user.last_name = ""
        user.headline = user.bio = user.skills = ""
        user.set_unusable_password()
        user.is_active = False
        user.closed_at = timezone.now()
        user.save()
        EmailAddress.objects.filter(user=user).delete()
        _end_sessions(user.pk)


# Sign-up refuses usernames that begin with this (marketplace.kernel.adapter), so a closed
# account's pseudonym can never be taken in advance to make its closure fail.
CLOSED_PREFIX = "closed-"


def closed_username(user) -> str:
    """`closed-<id>`; should that name exist anyway (taken before sign-up refused the prefix,
    or given by an administrator), a random suffix makes it unique."""
    User = get_user_model()
    name = f"{CLOSED_PREFIX}{user.pk}"
    while User.objects.filter(username__iexact=name).exclude(pk=user.pk).exists():
        name = f"{CLOSED_PREFIX}{user.pk}-{secrets.token_hex(4)}"
    return name


def _end_sessions(user_id: int) -> None:
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            session.delete()
