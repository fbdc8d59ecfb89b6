"""Template helpers: score badges, the low-trust warning, the ratings chart."""

from html import escape
from urllib.parse import quote

from django import template
from django.conf import settings
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import localize
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
        score = job["client_score"]
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
            f'</strong>{_badge(person["ranked_score"], "freelancer")}</div>\n'
            + (f"    <div>{escape(headline)}</div>\n" if headline else "")
            + f'    <div class="small text-body-secondary">{escape(person["skills"])}</div>\n'
            "  </a>")
    return mark_safe("\n  ".join(out))  # noqa: S308 (every text escaped above)


@register.simple_tag
def explanation_rows(lines):
    """Why the score is what it is, one row per line of reputation.selectors.
    explanation_lines (recomputed with the score: never cached); every text escaped here."""
    recent = escape(_("recent: counts double"))
    out = []
    for index, line in enumerate(lines):
        points = line["points"]
        shown = escape(str(localize(points)))
        contract = line.get("contract")
        marker = f' data-contract="{int(contract)}"' if contract else ""
        out.append(
            f"<tr{marker}>"
            f'<td>{escape(str(line["title"]))}<div class="text-body-secondary">'
            f'{"; ".join(escape(str(reason)) for reason in line["reasons"])}'
            f'{f" · {recent}" if line.get("weight") == 2 else ""}</div></td>'
            '<td class="text-end text-nowrap '
            f'{"text-danger" if points < 0 else "text-success" if points > 0 else ""}" '
            f'data-points="{shown}">'
            f'{"+" if points > 0 and index else ""}{shown}</td></tr>')  # the first: the prior
    return mark_safe("\n      ".join(out))  # noqa: S308 (every text escaped above)


@register.simple_tag(takes_context=True)
def feedback_cards(context, rows, can_reply: bool):
    """A profile's feedback (reputation.selectors.profile_page), built in Python: a reply
    can be added, so nothing here is cached; every text escaped here."""
    words = {key: escape(text) for key, text in (
        ("communication", _("Communication")), ("professionalism", _("Professionalism")),
        ("after", _("after a dispute")), ("reply", _("Reply")),
        ("placeholder", _("Reply publicly (once)")),
        ("client", _("Quality of the work")), ("freelancer", _("Clarity of the brief")))}
    reply_link = row_link("reputation:reply")
    token = escape(str(context.get("csrf_token", "")))
    out = []
    for row in rows:
        if row["reply"]:
            reply = (f'<div class="border-start ps-2 small"><strong>{words["reply"]}:</strong> '
                     f'{linebreaksbr(row["reply"], autoescape=True)}</div>\n')
        elif can_reply:
            reply = (f'<form method="post" action="{reply_link(row["id"])}" class="mt-2">'
                     f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
                     '<textarea name="reply" class="form-control form-control-sm" rows="2" '
                     f'maxlength="2000" required placeholder="{words["placeholder"]}"></textarea>'
                     '<button class="btn btn-sm btn-outline-primary mt-1" type="submit">'
                     f'{words["reply"]}</button></form>\n')
        else:
            reply = ""
        quality = words["client"] if row["author_role"] == "client" else words["freelancer"]
        written = dateformat.format(timezone.localtime(row["created_at"]), "M Y")
        out.append(
            f'<div class="card mb-2 feedback" id="feedback-{int(row["id"])}">'
            '<div class="card-body py-2">\n'
            '      <div class="d-flex justify-content-between">'
            f'<strong>{int(row["rating"])}/5 ★</strong><small class="text-body-secondary">'
            f'{escape(User.name_in(row, "author"))} · {escape(written)}</small></div>\n'
            + (f'      <span class="badge text-bg-warning">{words["after"]}</span>\n'
               if row["after_dispute"] else "")
            + f'      <div class="small text-body-secondary">{words["communication"]} '
            f'{int(row["communication"])} · {quality} {int(row["quality_or_clarity"])} · '
            f'{words["professionalism"]} {int(row["professionalism"])}</div>\n'
            f'      <p class="mb-1">{linebreaksbr(row["comment"], autoescape=True)}</p>\n'
            f"      {reply}    </div></div>")
    return mark_safe("\n    ".join(out))  # noqa: S308 (every text escaped above)


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
