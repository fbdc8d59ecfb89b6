"""What a notification mail says: plain text and HTML from templates, in the recipient's
time zone, with the action link and a footer saying why it was sent.

Each notice's link is its open URL (kernel.views.notification_open_view), absolute: following
it marks the notice read and redirects to its page, as opening it from the list does (a
signed-out recipient signs in first and lands there). A digest links each notice through
its own."""

import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.kernel.links import row_link
from marketplace.kernel.models import EmailFrequency, MailDelivery, Notification

SUBJECT_PREFIX = "[Marketplace] "


def build_message(delivery: MailDelivery) -> EmailMultiAlternatives | None:
    """The mail of a delivery row, rendered now (the recipient's address, zone and wording
    as they are at sending); None when there is no one to send it to."""
    if delivery.payload is not None:
        return _prepared(delivery)
    user = delivery.recipient
    if not user.email or not user.is_active or user.closed_at:
        return None
    notices = ([delivery.notification] if delivery.notification_id
               else list(delivery.digest_items.select_related("contract").order_by("created_at", "pk")))
    if not notices:
        return None
    zone = _zone_of(user)
    open_link = row_link("notifications_open")
    with timezone.override(zone):
        context = {
            "name": user.get_full_name() or user.username,
            "digest": delivery.notification_id is None,
            "notices": [_notice(n, zone, open_link) for n in notices],
            "why": _why(user, notices),
            "settings_link": settings.SITE_URL + reverse("profile_settings"),
            "site_url": settings.SITE_URL,
        }
        text = render_to_string("mail/notices.txt", context)
        html = render_to_string("mail/notices.html", context)
    if context["digest"]:
        subject = ngettext("Your daily digest: %(count)s notice",
                           "Your daily digest: %(count)s notices", len(notices)) % {
            "count": len(notices)}
    else:
        subject = notices[0].text[:80]
    message = EmailMultiAlternatives(
        subject=SUBJECT_PREFIX + subject, body=text, to=[user.email],
        headers={"Message-ID": delivery.message_id},
    )
    message.attach_alternative(html, "text/html")
    return message


def _prepared(delivery: MailDelivery) -> EmailMultiAlternatives:
    """An account mail as allauth rendered it (to the address it was for)."""
    payload = delivery.payload
    message = EmailMultiAlternatives(
        subject=payload["subject"], body=payload["body"], from_email=payload["from_email"],
        to=payload["to"], headers={"Message-ID": delivery.message_id})
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


def _zone_of(user) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def format_deadline(when, zone: zoneinfo.ZoneInfo) -> str:
    """“Friday 14 November 2026, 17:00 (Europe/Berlin)”: the zone is named, so nobody has to
    guess whose evening it is."""
    local = timezone.localtime(when, zone)
    return f"{date_format(local, 'l j F Y, H:i')} ({zone.key})"


def _notice(notification: Notification, zone, open_link) -> dict:
    return {
        "text": notification.text,
        # Through the notice's open URL, so reading it from the mail marks it read too.
        "link": settings.SITE_URL + open_link(notification.pk),
        "deadline": format_deadline(notification.deadline_at, zone)
        if notification.deadline_at else "",
        "urgent": notification.urgent,
        "details": notification.details,
    }


def _why(user, notices: list[Notification]) -> str:
    contract = notices[0].contract if len(notices) == 1 else None
    if contract is not None and user.pk in (contract.client_id, contract.freelancer_id):
        reason = _("You get this email because you are a party to the contract “%(title)s” "
                   "on Marketplace.") % {"title": contract.title}
    elif user.is_staff:
        reason = _("You get this email because you work on cases on Marketplace.")
    else:
        reason = _("You get this email because of your account on Marketplace.")
    if len(notices) > 1:
        how = _("You chose a daily digest of the notices that can wait.")
    elif notices[0].urgent:
        how = _("Deadline reminders and case decisions are always sent at once.")
    elif user.email_frequency == EmailFrequency.DAILY:
        how = _("You chose a daily digest of the notices that can wait.")
    else:
        how = _("You chose to get every notice by email.")
    return f"{reason} {how}"
