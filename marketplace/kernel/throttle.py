"""Throttling that cannot be turned against others: failed logins, sign-ups, password resets
and message posting are counted per (address, account) tightly and per address loosely, in a
cache every app server shares (its own alias: Redis with REDIS_URL, else a database table).

A limit on an account alone would let anyone lock its owner out by failing on purpose, and a
tight limit on an address alone locks out everyone behind the same address (an office, a
proxy). So the tight limit counts one address's attempts on one account; the loose one only
stops a single address trying many accounts. The client's address is taken from
X-Forwarded-For only through the configured number of trusted proxies (TRUSTED_PROXY_COUNT);
a header the client wrote itself is never believed.
"""

import hashlib
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext_lazy as _


def client_address(request) -> str:
    """The address of the client: REMOTE_ADDR, or behind N trusted proxies the N-th entry from
    the right of X-Forwarded-For (each proxy appends the address it received the request from).
    IPv6 addresses count per /64 network, which is what one subscriber holds."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.TRUSTED_PROXY_COUNT
    candidate = remote
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                     if part.strip()]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
        elif forwarded:  # fewer hops than proxies: the first entry is the first proxy's peer
            candidate = forwarded[0]
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Limit":
        """`5/900`: at most 5 in 900 seconds."""
        count, seconds = text.split("/")
        return cls(int(count), int(seconds))


def _cache():
    return caches[settings.THROTTLE_CACHE]


def _key(action: str, scope: str, subject: str) -> str:
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"throttle:{action}:{scope}:{digest}"


@dataclass
class Throttle:
    """One action's two limits (settings.THROTTLES[action]): per (address, account) and per
    address. `refused` says what the person sees when a limit is reached."""

    action: str
    refused: str

    def _limits(self) -> dict[str, Limit]:
        return {scope: Limit.parse(text)
                for scope, text in settings.THROTTLES.get(self.action, {}).items()}

    def _subjects(self, address: str, account: str) -> dict[str, str]:
        return {"account": f"{address}|{account.lower()}", "address": address}

    def refusal(self, request, account: str) -> str | None:
        """Why this attempt is refused, in words, or None when it may go ahead."""
        cache = _cache()
        subjects = self._subjects(client_address(request), account)
        for scope, limit in self._limits().items():
            if (cache.get(_key(self.action, scope, subjects[scope])) or 0) >= limit.count:
                return str(self.refused) % {"minutes": max(1, limit.seconds // 60)}
        return None

    def count(self, request, account: str) -> None:
        """Count one attempt against both limits (a window starts at its first attempt)."""
        cache = _cache()
        subjects = self._subjects(client_address(request), account)
        for scope, limit in self._limits().items():
            key = _key(self.action, scope, subjects[scope])
            if not cache.add(key, 1, timeout=limit.seconds):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr: start again
                    cache.add(key, 1, timeout=limit.seconds)

    def forget(self, request, account: str) -> None:
        """Clear the (address, account) count, e.g. after a successful password reset."""
        subjects = self._subjects(client_address(request), account)
        _cache().delete(_key(self.action, "account", subjects["account"]))


LOGIN_FAILED = Throttle("login_failed", _(
    "Too many failed sign-in attempts for this account from your network. Wait up to "
    "%(minutes)s minutes, or reset your password."))
SIGNUP = Throttle("signup", _(
    "Too many sign-ups from your network. Wait up to %(minutes)s minutes and try again."))
PASSWORD_RESET = Throttle("password_reset", _(
    "Too many password reset requests from your network. Wait up to %(minutes)s minutes and "
    "try again."))
MESSAGE = Throttle("message", _(
    "You are sending messages faster than anyone writes them. Wait up to %(minutes)s minutes "
    "and send it again."))
