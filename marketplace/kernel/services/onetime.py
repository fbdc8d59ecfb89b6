"""One-time form keys: a double click or a retried POST acts once."""

import re
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import IdempotencyKey

KEY_PATTERN = re.compile(r"^[A-Za-z0-9-]{16,64}$")
T = TypeVar("T")


def claim_key(*, user, key: str) -> bool:
    """Claim `key` for `user` inside the caller's transaction: True the first time, False for
    a repeat. If the caller's transaction rolls back, the key is free again (nothing happened).

    Claim before taking any row lock: a concurrent duplicate then waits on the key's unique
    index while holding nothing, and finds the key taken once the first request commits.
    """
    assert transaction.get_connection().in_atomic_block, "claim_key needs a transaction"
    if not key or not KEY_PATTERN.match(key):
        raise DomainError(_("This form is out of date. Reload the page and try again."))
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(user=user, key=key)
    except IntegrityError:
        return False
    return True


def run_once(*, user, key: str, action: Callable[[], T],
             result_url: Callable[[T], str] | None = None) -> tuple[bool, T | None]:
    """Run `action` (a service call) in one transaction with the claim of `key`.

    Returns (True, result) the first time and (False, None) for a repeat. A refused action
    rolls the claim back with it, so the user can correct the form and send it again.
    `result_url(result)` is remembered with the key, so a repeat can link to what was done.
    """
    with transaction.atomic():
        if not claim_key(user=user, key=key):
            return False, None
        result = action()
        if result_url is not None:
            remember_result(user=user, key=key, url=result_url(result))
        return True, result


def remember_result(*, user, key: str, url: str) -> None:
    """Remember where the first use of `key` led (what a repeat of it links to)."""
    IdempotencyKey.objects.filter(user=user, key=key).update(result_url=url[:300])


def used_key(*, user, key: str | None) -> IdempotencyKey | None:
    """The key's row if this user's one-time key already acted (a repeat), else None."""
    if not key:
        return None
    return IdempotencyKey.objects.filter(user=user, key=key).only("result_url").first()


def key_was_used(*, user, key: str | None) -> bool:
    """Whether this user's one-time key already acted (a repeat of an earlier POST)."""
    return used_key(user=user, key=key) is not None
