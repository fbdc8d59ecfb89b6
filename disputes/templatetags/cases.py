"""Template helpers of the case pages (the cancellation request page, the dispute room).

The blocks with a row per item (the conversation, the offers, the proposals, the stepper)
are built in Python: a template loop with a tag, a filter and a `{% url %}` per row cost
more than the rest of the room. Nothing here is cached (offers' states, answers and the
stepper are live); only the conversation's entries come rendered from the page cache
(disputes.conversation). Every value is escaped here; the words a template would have
written as `{% translate %}` literals are not (the template did not escape them either).
"""

import re
from html import escape

from django import template
from django.conf import settings
from django.template.defaultfilters import linebreaksbr
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.kernel.links import row_link
from marketplace.kernel.money import format_money, platform_fee
from marketplace.kernel.templatetags.marketplace import (
    answer,
    badge_html,
    choice_label,
    clause_link,
    deadline,
    moment,
    moments,
    month_names,
    outcomes,
)

register = template.Library()

STEP_ICONS = {
    "done": '<i class="bi bi-check2-circle" aria-hidden="true"></i>',
    "current": '<i class="bi bi-arrow-right-circle-fill" aria-hidden="true"></i>',
    "skipped": '<i class="bi bi-dash-circle" aria-hidden="true"></i>',
}
OTHER_STEP_ICON = '<i class="bi bi-circle" aria-hidden="true"></i>'


_ROUTES: dict = {}
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def link(name: str, *args) -> str:
    """`reverse(name, args=args)` for ids and slugs, from the route's path reversed once per
    process (and script prefix) with stand-ins: a reverse costs more than a row."""
    kinds = tuple(type(arg) is int for arg in args)
    key = (name, kinds, get_script_prefix())
    pieces = _ROUTES.get(key)
    if pieces is None:
        stand_ins = [f"{987654321000 + i}" if is_int else f"zqstandin{i}zq"
                     for i, is_int in enumerate(kinds)]
        rest = reverse(name, args=stand_ins)
        pieces = []
        for stand_in in stand_ins:
            before, found, rest = rest.partition(stand_in)
            if not found:
                raise ValueError(f"{name}: {stand_in} is not part of the path")
            pieces.append(before)
        pieces.append(rest)
        _ROUTES[key] = pieces
    out = [pieces[0]]
    for arg, piece in zip(args, pieces[1:], strict=True):
        if type(arg) is not int and not _SLUG.fullmatch(arg):
            return reverse(name, args=args)
        out += [str(arg), piece]
    return "".join(out)


def _safe(html: str):
    return mark_safe(html)  # noqa: S308 (every text escaped by the caller)


def badge(value: str, label) -> str:
    """`{% state_badge %}` (kernel.templatetags.marketplace) for a value and its label."""
    return badge_html(value, escape(str(label)))


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
    words = {}
    for step in steps:
        status = escape(step.status)
        if step.status not in words:
            words[step.status] = escape(step.status_words)
        detail = f": {escape(str(step.detail))}" if step.detail else ""
        current = ' aria-current="step"' if step.status == "current" else ""
        items.append(
            f'<li class="{status}" data-step-status="{status}"{current}>'
            f'{STEP_ICONS.get(step.status, OTHER_STEP_ICON)} '
            f'<span class="step-label">{escape(str(step.label))}</span>\n    '
            f'<span class="step-status">{words[step.status]}{detail}</span></li>')
    return _safe(f'<ol class="stepper mb-4" aria-label="{_("The path of this case")}"'
                 f' id="stepper">\n  {"".join(items)}\n</ol>')


@register.simple_tag
def offer_rows(dispute, offers):
    """The dispute room's offers: when, by whom, their state, terms and message, and the
    buttons the viewer may use on each (`offer.actions`, set by the view)."""
    head = ('<div class="card mb-3" id="offers"><div class="card-body">\n'
            f'      <h2 class="h5">{_("Offers")}</h2>\n      ')
    if not offers:
        return _safe(f'{head}<p class="text-body-secondary mb-0">{_("No offers yet.")}</p>'
                     '\n    </div></div>')
    outcome = outcomes()
    moment_of = moments()
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
            f'          <div class="small text-body-secondary">{moment_of(offer.created_at)} · '
            f'{escape(offer.made_by.display_name)} · '
            f'{badge(offer.state, choice_label(offer, "state"))}</div>\n'
            f'          <div>{outcome(offer, escrow)}</div>\n'
            f'          {message}\n          {"".join(buttons)}\n        </div>')
    return _safe(head + "\n      ".join(out) + "\n    </div></div>")




def _day(value) -> str:
    """`value|date:"j M Y"` in the viewer's time zone."""
    local = timezone.localtime(value)
    return f"{local.day} {month_names()[local.month]} {local.year}"


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


# --- the dispute room's blocks (live: states, deadlines and buttons; nothing cached) -------

def _buttons(route: str, pk: int, actions, css: str = "btn") -> str:
    return "".join(
        f'<a class="{css} btn-{escape(action.style)}" href="{link(route, pk, action.name)}"'
        f' data-action="{escape(action.name)}">{escape(str(action.label))}</a>'
        for action in actions)


@register.simple_tag(takes_context=True)
def room_header(context):
    """The room's breadcrumb, title, state, kind and the viewer's buttons; for staff, the
    note that they read it as staff."""
    dispute, contract = context["dispute"], context["contract"]
    title = escape(contract.title)
    dispute_word = _("Dispute")
    staff = ""
    if context["reading_as_staff"]:
        staff = (
            '<div class="alert alert-info" id="staff-reading">'
            + _("You are reading this dispute as staff; your visit is logged and the parties "
                "see it. Case work happens in the console.")
            + f' <a class="alert-link" href="{link("admin:disputes_dispute_change", dispute.pk)}">'
            + _("Open the case in the console") + "</a></div>")
    return _safe(
        '<nav aria-label="breadcrumb"><ol class="breadcrumb"><li class="breadcrumb-item">'
        f'<a href="{link("contracts:detail", contract.pk)}">{title}</a></li>'
        '<li class="breadcrumb-item">'
        f'<a href="{link("disputes:cancellation", dispute.cancellation_request_id)}">'
        f'{_("Cancellation request")}</a></li><li class="breadcrumb-item active" '
        f'aria-current="page">{dispute_word}</li></ol></nav>\n'
        '<div class="d-flex flex-wrap justify-content-between align-items-start gap-2 mb-2">\n'
        f'  <div>\n    <h1 class="h3 mb-1">{dispute_word} #{int(dispute.pk)} '
        f'<small class="text-body-secondary">{title}</small></h1>\n'
        f'    <div>{badge(dispute.state, choice_label(dispute, "state"))} <span class="small '
        f'text-body-secondary ms-2">{escape(str(choice_label(dispute, "kind")))}</span></div>\n'
        '  </div>\n  <div class="d-flex flex-wrap gap-2" id="actions">\n    '
        f'{_buttons("disputes:dispute_action", dispute.pk, context["actions"])}\n  </div>\n'
        f'</div>\n{staff}')


@register.simple_tag(takes_context=True)
def room_stage(context):
    """Where the dispute stands, what the parties can do there and by when."""
    dispute = context["dispute"]
    state = dispute.state
    if state == "negotiation":
        mine = _("You asked for a mediator.") if context["my_mediation_request"] else ""
        other = (_("The other party asked for a mediator: if you ask too, mediation starts "
                   "at once.") if context["other_mediation_request"] else "")
        body = (f'{_("Try to agree directly: make an offer, or accept one.")} '
                f'{deadline(dispute.deadline_at, _("Negotiation ends"))}\n'
                f'    <div class="small mt-1" id="mediation-requests">\n      {mine}\n'
                f'      {other}\n    </div>')
    elif state == "mediation":
        who = (_("Mediator: %(name)s.") % {"name": escape(dispute.mediator.display_name)}
               if dispute.mediator else _("Waiting for a mediator to take the case."))
        due = (deadline(dispute.sla_due_at, _("A proposal is expected by"))
               if dispute.sla_due_at else "")
        body = (f'{who}\n    {_("You can still make and accept offers, and add evidence.")}'
                f'\n    {due}')
    elif state == "proposal":
        body = (_("The mediator proposed a resolution. Accept or reject it; silence counts "
                  "as acceptance.") + f' {deadline(dispute.deadline_at, _("Answer by"))}')
    elif state == "arbitration":
        who = (_("Arbitrator: %(name)s.") % {"name": escape(dispute.arbitrator.display_name)}
               if dispute.arbitrator else _("Waiting for an arbitrator."))
        body = f'{who} {_("The decision is binding; arbitration costs you nothing.")}'
    else:
        ending = dispute.ending
        after = (_("The contract continues.") if ending.continues
                 else _("The contract was cancelled and the escrow divided."))
        body = (_("Closed on %(when)s.") % {"when": escape(moment(dispute.closed_at))}
                + f' <strong>{escape(str(ending.title))}.</strong>\n    {after}')
    return _safe(f'<div class="alert alert-secondary" id="stage">\n  {body}\n</div>')


@register.simple_tag(takes_context=True)
def staff_readers(context, readers):
    """Who on the staff opened the case: names, first and last read."""
    intro = _("Every time a mediator, an arbitrator or an administrator opens this case, its "
              "contract, its messages or its files, it is logged. Here is who did, with their "
              "first and last visit.")
    if readers:
        rows = "".join(
            f'<tr><td>{escape(reader["name"])}</td><td>{escape(moment(reader["first"]))}</td>'
            f'<td>{escape(moment(reader["last"]))}</td></tr>' for reader in readers)
        table = (f'<table class="table table-sm mb-0"><thead><tr><th scope="col">{_("Who")}'
                 f'</th><th scope="col">{_("First opened")}</th><th scope="col">'
                 f'{_("Last opened")}</th></tr></thead><tbody>\n      {rows}\n      '
                 '</tbody></table>')
    else:
        table = f'<p class="mb-0">{_("Nobody on the staff has opened it yet.")}</p>'
    return _safe(
        '<div class="card mb-3" id="staff-readers"><div class="card-body">\n'
        f'      <h2 class="h6">{_("Staff who opened your case")}</h2>\n'
        f'      <p class="small text-body-secondary">{intro}</p>\n      {table}\n'
        '    </div></div>')


def _files_help() -> str:
    return _("PDF, PNG, JPEG or plain text: up to %(n)s files of up to %(mb)s MB each.") % {
        "n": escape(str(settings.ATTACHMENTS_PER_MESSAGE)),
        "mb": escape(str(settings.ATTACHMENT_MAX_MB))}


def _csrf(context) -> str:
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 (Django's stand-in, no secret)
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'


def message_fields(suffix: str) -> str:
    """templates/contracts/_message_fields.html, for a form built in Python."""
    return (
        f'<div class="mb-3"><label for="id_body{suffix}" class="form-label">{_("Message")}'
        f'</label>\n  <textarea name="body" rows="3" maxlength="10000" class="form-control" '
        f'id="id_body{suffix}" placeholder="{_("Write to the other party…")}"></textarea>'
        f'</div>\n<div class="mb-3"><label for="id_files{suffix}" class="form-label">'
        f'{_("Attachments")}</label>\n  <input type="file" name="files" class="form-control" '
        f'multiple id="id_files{suffix}" aria-describedby="id_files_help{suffix}">\n'
        f'  <div id="id_files_help{suffix}" class="form-text">{_files_help()}</div></div>')


@register.simple_tag(takes_context=True)
def evidence_card(context):
    """The dispute's evidence (rendered rows, cached: a file never changes) and, while the
    case accepts it, the form to add more."""
    dispute = context["dispute"]
    rows = "\n      ".join(dispute.evidence_rows) or (
        f'<li class="text-body-secondary">{_("No evidence yet.")}</li>')
    if context["can_add_evidence"]:
        action = link("disputes:dispute_message", dispute.pk)
        form = (
            f'<form method="post" action="{action}" enctype="multipart/form-data" '
            f'id="evidence-form" data-once>{_csrf(context)}\n'
            '        <input type="hidden" name="kind" value="evidence">\n'
            f'        <div class="mb-3"><label for="id_note" class="form-label">'
            f'{_("What this shows")}</label><textarea name="note" rows="2" maxlength="5000" '
            'class="form-control" id="id_note" required></textarea></div>\n'
            f'        <div class="mb-3"><label for="id_evidence_files" class="form-label">'
            f'{_("Evidence files")}</label><input type="file" name="files" '
            'class="form-control" multiple required id="id_evidence_files"><div '
            f'class="form-text">{_files_help()}</div></div>\n'
            '        <button class="btn btn-outline-primary" type="submit"><i class="bi '
            f'bi-upload"></i> {_("Add evidence")}</button>\n      </form>')
    else:
        form = (f'<p class="small text-body-secondary mb-0">'
                f'{_("Evidence is accepted until the case leaves mediation.")}</p>')
    return _safe(
        '<div class="card mb-3" id="evidence"><div class="card-body">\n'
        f'      <h2 class="h5">{_("Evidence")}</h2>\n      <ul class="list-unstyled">\n      '
        f'{rows}\n      </ul>\n      {form}\n    </div></div>')


def _thread(context, conversation, contract, post_to: str, form_id: str, send: str) -> str:
    """A case's conversation (disputes.conversation) and, when `post_to` is given, the form
    to write in it."""
    if conversation:
        entries = conversation_entries(context, conversation, contract)
    else:
        entries = f'<li>{_("Nothing yet.")}</li>'
    form = ""
    if post_to:
        form = (f'\n      <form method="post" action="{post_to}" enctype="multipart/form-data" '
                f'id="{form_id}" data-once>{_csrf(context)}\n        {message_fields("_case")}'
                '<button class="btn btn-outline-primary" type="submit"><i class="bi '
                f'bi-send"></i> {send}</button>\n      </form>')
    return f'<ol class="timeline conversation" id="conversation">\n  {entries}\n</ol>{form}'


@register.simple_tag(takes_context=True)
def room_thread(context):
    """The dispute room's whole case, and the form to write in it (a party, while open)."""
    dispute = context["dispute"]
    post_to = link("disputes:dispute_message", dispute.pk) if context["can_message"] else ""
    intro = _("The cancellation request and its dialogue first, then the dispute: every "
              "message, offer, proposal, answer and automatic step, in order.")
    return _safe(
        '<div class="card mb-3" id="case-thread"><div class="card-body">\n'
        f'      <h2 class="h5">{_("The whole case")}</h2>\n'
        f'      <p class="small text-body-secondary">{intro}</p>\n      '
        + _thread(context, dispute.conversation, context["contract"], post_to,
                  "dispute-message-form", _("Send"))
        + "\n    </div></div>")


@register.simple_tag(takes_context=True)
def request_thread(context):
    """The request page's conversation, and the form to write in it (while it is open)."""
    case = context["case"]
    post_to = "" if case.is_closed else link("disputes:cancellation_message", case.pk)
    intro = _("Everything that happened in this case, in order: requests and "
              "counter-proposals, answers, messages and what the system did.")
    return _safe(
        '<div class="card" id="dialogue"><div class="card-body">\n'
        f'      <h2 class="h5">{_("The conversation")}</h2>\n'
        f'      <p class="small text-body-secondary">{intro}</p>\n      '
        + _thread(context, case.conversation, context["contract"], post_to,
                  "case-message-form", _("Send message"))
        + "\n    </div></div>")


# --- the cancellation request page's blocks (live: turn, deadline, terms; nothing cached) --

@register.simple_tag(takes_context=True)
def request_header(context):
    """The request page's breadcrumb, title, state, reason and the viewer's buttons."""
    case, contract = context["case"], context["contract"]
    title = _("%(who)s asked to end the contract") % {
        "who": escape(case.initiator.display_name)}
    return _safe(
        '<nav aria-label="breadcrumb"><ol class="breadcrumb"><li class="breadcrumb-item">'
        f'<a href="{link("contracts:detail", contract.pk)}">{escape(contract.title)}</a></li>'
        '<li class="breadcrumb-item active" aria-current="page">'
        f'{_("Cancellation request")}</li></ol></nav>\n'
        '<div class="d-flex flex-wrap justify-content-between align-items-start gap-2 mb-2">\n'
        f'  <div>\n    <h1 class="h3 mb-1">{title}</h1>\n'
        f'    <div>{badge(case.state, choice_label(case, "state"))} <span class="small '
        f'text-body-secondary ms-2">{_("Reason")}: {escape(str(case.reason_label))}</span>'
        '</div>\n  </div>\n  <div class="d-flex flex-wrap gap-2" id="actions">\n    '
        f'{_buttons("disputes:cancellation_action", case.pk, context["actions"])}\n  </div>\n'
        '</div>')


@register.simple_tag(takes_context=True)
def request_turn(context):
    """Whose turn it is, the deadline and what silence would do (open or denied only)."""
    case = context["case"]
    if case.state not in ("open", "denied"):
        return ""
    my_turn = context["my_turn"]
    if my_turn:
        turn = f'<strong>{_("It is your turn.")}</strong>'
    else:
        turn = _("Waiting for %(who)s.") % {"who": escape(case.turn_user.display_name)}
    if case.state == "open":
        timeout_cents = case.timeout_amount_cents
        silent = _("If %(who)s does not answer by then, the terms on the table apply: %(to)s "
                   "to the freelancer, %(back)s back to the client.") % {
            "who": escape(case.turn_user.display_name),
            "to": escape(format_money(timeout_cents)),
            "back": escape(format_money(int(case.escrow_cents or 0) - int(timeout_cents or 0)))}
        if timeout_cents < case.amount_to_freelancer_cents:
            silent += " " + _(
                "(The terms give the freelancer %(asked)s, but by timeout a freelancer receives "
                "at most the %(submitted)s of submitted work.)") % {
                "asked": escape(format_money(case.amount_to_freelancer_cents)),
                "submitted": escape(format_money(case.submitted_value_cents))}
        consequence = context.get("timeout_consequence")
        if consequence:
            silent += (f'\n    <div id="timeout-consequence">{escape(str(consequence))}'
                       '</div>')
        after = f'<div class="small" id="if-silent">{silent}</div>'
    else:
        after = ('<div class="small">' + _(
            "If the freelancer neither disputes nor counter-proposes by then, the request "
            "lapses and the contract continues.") + "</div>")
    return _safe(
        f'<div class="alert {"alert-primary" if my_turn else "alert-secondary"}" id="turn">\n'
        f'  {turn}\n  {deadline(case.deadline_at, _("Deadline:"))}\n  {after}\n</div>')


def terms(escrow: int, amount: int, to_client: int, fault: str) -> str:
    """templates/disputes/_terms.html, for a block built in Python."""
    fee = platform_fee(int(amount or 0))
    receive = _("they receive %(net)s after the %(fee)s fee") % {
        "net": escape(format_money(int(amount or 0) - fee)), "fee": escape(format_money(fee))}
    fault_words = (_("the client") if fault == "client" else _("the freelancer")
                   if fault == "freelancer" else _("nobody (no fault)"))
    return (
        '<dl class="row mb-0 terms">\n'
        f'  <dt class="col-sm-5">{_("In escrow")}</dt><dd class="col-sm-7">'
        f'{escape(format_money(escrow))}</dd>\n'
        f'  <dt class="col-sm-5">{_("To the freelancer")}</dt><dd class="col-sm-7" '
        f'data-terms-freelancer="{escape(str(amount))}">{escape(format_money(amount))} '
        f'<span class="small text-body-secondary">{receive}</span></dd>\n'
        f'  <dt class="col-sm-5">{_("Back to the client")}</dt><dd class="col-sm-7" '
        f'data-terms-client>{escape(format_money(to_client))}</dd>\n'
        f'  <dt class="col-sm-5">{_("Fault")}</dt><dd class="col-sm-7" '
        f'data-terms-fault="{escape(str(fault))}">{fault_words}</dd>\n</dl>')


@register.simple_tag(takes_context=True)
def request_terms(context):
    """The terms on the table (or, once it became a dispute, the terms it opened with)."""
    case = context["case"]
    closed = case.is_closed
    if closed:
        dispute = getattr(case, "dispute", None)  # None: it never became one
        if not (dispute and dispute.is_open):
            return ""
    heading = _("Terms when the dispute opened") if closed else _("Terms on the table")
    left = ""
    if not closed:
        n = context["counters_left"]
        left = (
            '\n      <p class="small text-body-secondary mt-2 mb-0">'
            + ngettext("You have %(n)s counter-proposal left.",
                       "You have %(n)s counter-proposals left.", n) % {"n": escape(str(n))}
            + " " + _("Submitted work is worth %(v)s (the most a freelancer receives by "
                      "timeout).") % {"v": escape(format_money(case.submitted_value_cents))}
            + "</p>")
    proposed = _("Proposed by %(who)s") % {"who": escape(case.proposed_by.display_name)}
    return _safe(
        '<div class="card mb-3" id="terms"><div class="card-body">\n'
        f'      <h2 class="h5">{heading}</h2>\n'
        f'      <p class="small text-body-secondary mb-2">{proposed}</p>\n      '
        + terms(case.escrow_cents, case.amount_to_freelancer_cents, case.to_client_cents,
                case.fault)
        + f'{left}\n    </div></div>')
