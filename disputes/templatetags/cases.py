"""Template helpers of the case pages (the cancellation request page, the dispute room).

The blocks with a row per item (the conversation, the offers, the proposals, the stepper)
are built in Python: a template loop with a tag, a filter and a `{% url %}` per row cost
more than the rest of the room. Nothing here is cached (offers' states, answers and the
stepper are live); only the conversation's entries come rendered from the page cache
(disputes.conversation). Every value is escaped here; the words a template would have
written as `{% translate %}` literals are not (the template did not escape them either).
"""

from html import escape

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from marketplace.kernel.links import row_link
from marketplace.kernel.templatetags.marketplace import (
    BADGE_COLOURS,
    answer,
    clause_link,
    moment,
    outcomes,
)

register = template.Library()

DARK_TEXT = {"light", "warning", "info"}
STEP_ICONS = {
    "done": '<i class="bi bi-check2-circle" aria-hidden="true"></i>',
    "current": '<i class="bi bi-arrow-right-circle-fill" aria-hidden="true"></i>',
    "skipped": '<i class="bi bi-dash-circle" aria-hidden="true"></i>',
}
OTHER_STEP_ICON = '<i class="bi bi-circle" aria-hidden="true"></i>'


def _safe(html: str):
    return mark_safe(html)  # noqa: S308 (every text escaped by the caller)


def badge(value: str, label) -> str:
    """`{% state_badge %}` (kernel.templatetags.marketplace) for a value and its label."""
    colour = BADGE_COLOURS.get(value, "secondary")
    return (f'<span class="badge text-bg-{colour}{" text-dark" if colour in DARK_TEXT else ""}"'
            f' data-state="{escape(value)}">{escape(str(label))}</span>')


@register.simple_tag(takes_context=True)
def conversation_entries(context, entries, contract=None):
    """A case's conversation as list items: each entry's rendered row
    (disputes.conversation, cached) inside what depends on the viewer, their own entries
    marked and a link to report another's message (parties only: `contract` is given)."""
    viewer_id = context["user"].pk
    report = row_link("contracts:message_report", contract.pk) if contract is not None else None
    divider = f'<li class="divider"><span>{escape(_("The dispute"))}</span></li>'
    report_word = escape(_("Report"))
    items = []
    for entry in entries:
        if entry["opens_dispute"]:
            items.append(divider)
        actor_id = entry["actor_id"]
        css = "system" if not actor_id else "mine" if actor_id == viewer_id else ""
        link = ""
        message_id = entry["message_id"]
        if (report is not None and message_id and actor_id != viewer_id
                and not entry["hidden"]):
            link = (f'\n    <div class="small"><a class="link-secondary" href="{report(message_id)}"'
                    f' data-report="{int(message_id)}">{report_word}</a></div>')
        items.append(f'<li class="{css}" id="entry-{int(entry["seq"])}" '
                     f'data-kind="{escape(entry["kind"])}">{entry["html"]}{link}</li>')
    return _safe("\n  ".join(items))


@register.simple_tag
def case_stepper(steps):
    """The case's path (disputes.stepper) as the stepper's list."""
    items = []
    for step in steps:
        status = escape(step.status)
        detail = f": {escape(str(step.detail))}" if step.detail else ""
        current = ' aria-current="step"' if step.status == "current" else ""
        items.append(
            f'<li class="{status}" data-step-status="{status}"{current}>'
            f'{STEP_ICONS.get(step.status, OTHER_STEP_ICON)} '
            f'<span class="step-label">{escape(str(step.label))}</span>\n    '
            f'<span class="step-status">{escape(step.status_words)}{detail}</span></li>')
    return _safe(f'<ol class="stepper mb-4" aria-label="{_("The path of this case")}"'
                 f' id="stepper">\n  {"".join(items)}\n</ol>')


@register.simple_tag
def offer_rows(dispute, offers):
    """The dispute room's offers: when, by whom, their state, terms and message, and the
    buttons the viewer may use on each (`offer.actions`, set by the view)."""
    if not offers:
        return _safe(f'<p class="text-body-secondary mb-0">{_("No offers yet.")}</p>')
    outcome = outcomes()
    escrow = dispute.case_escrow_cents
    links = {}
    out = []
    for offer in offers:
        buttons = []
        for action in offer.actions:
            link = links.get(action.name)
            if link is None:
                link = links[action.name] = row_link(
                    "disputes:offer_action", dispute.pk, after=(action.name,))
            buttons.append(
                f'<a class="btn btn-sm btn-{escape(action.style)} mt-1" href="{link(offer.pk)}"'
                f' data-action="offer-{escape(action.name)}">{escape(str(action.label))}</a>')
        message = (f'<div class="small">{linebreaksbr(offer.message)}</div>'
                   if offer.message else "")
        out.append(
            f'<div class="border-bottom py-2" id="offer-{int(offer.pk)}">\n'
            f'          <div class="small text-body-secondary">{moment(offer.created_at)} · '
            f'{escape(offer.made_by.display_name)} · '
            f'{badge(offer.state, offer.get_state_display())}</div>\n'
            f'          <div>{outcome(offer, escrow)}</div>\n'
            f'          {message}\n          {"".join(buttons)}\n        </div>')
    return _safe("\n      ".join(out))


def _day(value) -> str:
    """`value|date:"j M Y"` in the viewer's time zone."""
    local = timezone.localtime(value)
    return f"{local.day} {str(MONTHS_3[local.month]).title()} {local.year}"


@register.simple_tag
def proposal_cards(dispute, proposal):
    """The mediator's proposals (not the decision), oldest first: terms, whether it was
    carried out or superseded, findings, policy and both parties' answers."""
    cards = [p for p in dispute.proposals.all() if p.kind == "proposal"]
    if not cards:
        return ""
    outcome = outcomes()
    escrow = dispute.case_escrow_cents
    ending = dispute.ending
    produced_by = ending.produced_by if ending else None
    live = dispute.state == "proposal"
    words = {
        "revised": _("Revised proposal"),
        "first": _("The mediator's proposal"),
        "carried": _("This proposal was carried out (see how it ended)."),
        "superseded": _(
            "Superseded: it was rejected, and the mediator made a revised proposal."),
        "findings": _("Findings"), "policy": _("Policy relied on"),
        "client": _("Client"), "freelancer": _("Freelancer"),
    }
    out = []
    for p in cards:
        border = " border-primary" if p == proposal and live else ""
        title = words["revised"] if p.round == 2 else words["first"]
        if ending and produced_by[0] == "proposal" and produced_by[1] == p.pk:
            note = ('<p class="small text-success" data-carried-out><i class="bi '
                    f'bi-check2-circle" aria-hidden="true"></i> {words["carried"]}</p>')
        elif p.round < dispute.proposal_rounds:
            note = (f'<p class="small text-body-secondary" data-superseded>'
                    f'{words["superseded"]}</p>')
        else:
            note = ""
        out.append(
            f'\n    <div class="card mb-3{border}" id="proposal-{escape(str(p.round))}">'
            f'<div class="card-body">\n      <h2 class="h5">{title} '
            f'<small class="text-body-secondary">{_day(p.created_at)}</small></h2>\n'
            f'      <p>{outcome(p, escrow)}</p>{note}\n'
            f'      <h3 class="h6">{words["findings"]}</h3><p>{linebreaksbr(p.findings)}</p>\n'
            f'      <h3 class="h6">{words["policy"]}</h3><p>{_clause(p.policy_clause)}</p>\n'
            f'      <p class="small mb-0">{words["client"]}: '
            f'{escape(str(answer(p.client_response)))} · {words["freelancer"]}: '
            f'{escape(str(answer(p.freelancer_response)))}</p>\n    </div></div>\n    ')
    return _safe("".join(out))


def _clause(citation) -> str:
    """`citation|clause_link` as the template printed it: the link, or the text escaped."""
    linked = clause_link(citation)
    if hasattr(linked, "__html__"):
        return str(linked)
    return escape(str(linked)) if linked is not None else "None"
