"""Template helpers: score badges, the low-trust warning, the ratings chart."""

from html import escape
from urllib.parse import quote

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.kernel.links import row_link
from marketplace.kernel.models import User
from marketplace.kernel.money import format_money

register = template.Library()


@register.simple_tag
def score_badge(person):
    reputation = getattr(person, "reputation", None) if person is not None else None
    return mark_safe(_badge(None if reputation is None else reputation.score,  # noqa: S308
                            person.role if person is not None else ""))


def _badge(score: int | None, role: str) -> str:
    """A score's badge as HTML (escaped: the score is a number, the words are ours)."""
    if score is None:
        return ('<span class="badge text-bg-light border" data-score="">'
                f'{escape(_("New: no score yet"))}</span>')
    colour = "success" if score >= 80 else (
        "warning" if score >= settings.LOW_TRUST_SCORE else "danger")
    label = escape(_("Trust") if role == "client" else _("Score"))
    return f'<span class="badge text-bg-{colour}" data-score="{int(score)}">{label} {int(score)}</span>'


@register.simple_tag
def job_rows(jobs):
    """The job board's rows (reputation.selectors.job_board_page), built in Python: live
    (trust scores, applicants), so never cached; every text escaped here."""
    link = row_link("reputation:job")
    low = settings.LOW_TRUST_SCORE
    warning = escape(_("Client trust below %(t)s") % {"t": low})
    out = []
    for job in jobs:
        score = job["client__reputation__score"]
        flag = ("" if score is None or score >= low else
                ' <span class="badge text-bg-danger low-trust" data-low-trust="1">'
                f'<i class="bi bi-exclamation-triangle"></i> {warning}</span>')
        applicants = ngettext("%(n)s applicant", "%(n)s applicants", job["applicants"]) % {
            "n": job["applicants"]}
        out.append(
            f'<a class="list-group-item list-group-item-action" href="{link(job["id"])}" '
            f'data-job="{int(job["id"])}">\n'
            f'    <div class="d-flex justify-content-between"><strong>{escape(job["title"])}'
            f'</strong><span>{escape(format_money(job["budget_cents"]))}</span></div>\n'
            f'    <div class="small">{escape(User.name_in(job, "client"))} '
            f'{_badge(score, "client")}{flag}</div>\n'
            f'    <div class="small text-body-secondary">{escape(job["skills"])} · '
            f'{escape(applicants)}</div>\n  </a>')
    return mark_safe("\n  ".join(out))  # noqa: S308 (every text escaped above)


_STAND_IN = "profile-stand-in"
# What `reverse()` leaves unquoted in a path argument (django.urls.resolvers).
_URL_SAFE = "!$&'()*+,;=/~:@"


@register.simple_tag
def directory_rows(people):
    """The directory's rows (reputation.selectors.directory_page), built in Python: live
    (scores), so never cached; every text escaped here."""
    before, _found, after = reverse("public_profile", args=[_STAND_IN]).partition(_STAND_IN)
    out = []
    for person in people:
        username = escape(person["username"])
        headline = person["headline"]
        out.append(
            f'<a class="list-group-item list-group-item-action" '
            f'href="{escape(before + quote(person["username"], safe=_URL_SAFE) + after)}" '
            f'data-username="{username}">\n'
            f'    <div class="d-flex justify-content-between"><strong>'
            f'{escape(User.name_from(person["id"], person["username"], person["first_name"], person["last_name"], person["closed_at"]))}'
            f'</strong>{_badge(person["reputation__score"], "freelancer")}</div>\n'
            + (f"    <div>{escape(headline)}</div>\n" if headline else "")
            + f'    <div class="small text-body-secondary">{escape(person["skills"])}</div>\n'
            "  </a>")
    return mark_safe("\n  ".join(out))  # noqa: S308 (every text escaped above)


@register.inclusion_tag("reputation/_low_trust.html")
def low_trust_warning(client):
    reputation = getattr(client, "reputation", None) if client is not None else None
    return {"client": client, "reputation": reputation,
            "low": reputation is not None and reputation.is_low_trust,
            "threshold": settings.LOW_TRUST_SCORE}


@register.simple_tag
def ratings_chart(history):
    """A small SVG line of revealed ratings over time (1 to 5 stars), CSP-safe."""
    if len(history) < 2:
        return ""
    width, height = 300, 60
    step = width / (len(history) - 1)
    points = " ".join(f"{i * step:.1f},{height - (rating - 1) / 4 * (height - 8) - 4:.1f}"
                      for i, (_when, rating) in enumerate(history))
    return format_html(
        '<svg class="ratings-chart" viewBox="0 0 {} {}" width="100%" height="{}" role="img" '
        'aria-label="{}"><polyline fill="none" stroke="#0d6efd" stroke-width="2" points="{}"/>'
        "</svg>", width, height, height, _("Ratings over time"), points)
