"""Moments as a particular person reads them: in their own time zone, with the zone named.

Pages run in the viewer's zone (the middleware activates it); mails, notifications and the
record's texts are written for someone else, or for nobody in particular, so they say which
zone they mean explicitly.
"""

import zoneinfo
from datetime import UTC, datetime

from django.utils.formats import date_format

FORMAT = "D j M Y, H:i"


def zone_of(user) -> zoneinfo.ZoneInfo | type(UTC):
    name = getattr(user, "timezone", None) or "UTC"
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


def moment_for(user, when: datetime) -> str:
    """“Mon 7 Dec 2026, 02:05 CET”: `when` in `user`'s time zone, with the zone's name."""
    local = when.astimezone(zone_of(user))
    return f"{date_format(local, FORMAT)} {local.tzname()}"


def moment_utc(when: datetime) -> str:
    """The same in UTC, for texts everybody reads (the record)."""
    local = when.astimezone(UTC)
    return f"{date_format(local, FORMAT)} UTC"
