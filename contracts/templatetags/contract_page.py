"""The contract page's live parts, built in Python: its action buttons, its money, its
milestones and the frame of each thread message.

Every contract page shows these, and as templates (a `{% translate %}`, a `{% url %}`, a
`{% state_badge %}` and a few filters per milestone and per button) they cost more than the
rest of the page. Nothing here is cached: buttons, deadlines, countdowns and states are
live (only the messages' own HTML, from contracts.rows, is). Every text is escaped here;
translated words are looked up once per page.
"""

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import normalize_newlines
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from contracts.models import ContractState, MilestoneState
from marketplace.kernel.links import row_link
from marketplace.kernel.money import format_money
from marketplace.kernel.templatetags.marketplace import badge_html, deadline, month_names

register = template.Library()



_WORDS: dict = {}


def _words_in(language: str) -> dict:
    """The states' labels and the month names, escaped, in the viewer's language: looked up
    once per process and language (catalogs do not change while it runs), not per row."""
    words = _WORDS.get(language)
    if words is None:
        words = _WORDS[language] = {
            "contract": {v: escape(str(label)) for v, label in ContractState.choices},
            "milestone": {v: escape(str(label)) for v, label in MilestoneState.choices},
            # Escaped texts, and (raw) the formats and the label the deadline tag escapes.
            "client": escape(_("Client")), "freelancer": escape(_("Freelancer")),
            "request_cancellation": escape(_("Request cancellation")),
            "record": escape(_("Record")), "after_fees": escape(_("after fees of")),
            "in_escrow": _("In escrow"), "client_paid": _("Paid in by the client"),
            "freelancer_received": _("Received by the freelancer"),
            "client_refunded": _("Returned to the client"),
            "milestones": escape(_("Milestones")), "add": escape(_("Add a milestone")),
            "actions": escape(_("Actions")),
            "milestone_label": escape(_("Milestone")), "state": escape(_("State")),
            "amount": escape(_("Amount")), "due": escape(_("Due")),
            "paused": escape(_("Review clock paused while the case is open.")),
            "auto_release": _("Auto-release"), "paid": _("Paid %(net)s (fee %(fee)s)"),
            "settled": _("%(f)s to the freelancer, %(c)s back to the client"),
            "report": escape(_("Report")),
            "scope": escape(_("Scope of work")), "messages": escape(_("Messages")),
            "earlier": escape(_("Earlier messages are in the record.")),
            "timeline": escape(_("Timeline")),
            "nothing_recorded": escape(_("Nothing recorded yet.")),
            "all_events": _("All %(n)s events are in the record"),
            "thread_empty": escape(_("No messages yet. Questions about the work belong here, "
                                     "where both sides and, if ever needed, a mediator can "
                                     "read them.")),
        }
    return words


def _badge(value: str, labels: dict) -> str:
    return badge_html(value, labels.get(value) or escape(value))


def _money(cents) -> str:
    return escape(format_money(cents))


@register.simple_tag
def contract_heading(contract):
    """The page's heading: the title and number, the state, and both parties' names, each
    linked to their public profile."""
    words = _words_in(get_language())
    labels = words["contract"]
    client, freelancer = contract.client, contract.freelancer
    client_url = reverse("public_profile", args=[client.username])
    freelancer_url = reverse("public_profile", args=[freelancer.username])
    return mark_safe(  # noqa: S308 (every text escaped here)
        f'<h1 class="h3 mb-1">{escape(contract.title)} <small class="text-body-secondary">'
        f'#{int(contract.pk)}</small></h1>\n'
        f'    <div>{_badge(contract.state, labels)}\n'
        f'      <span class="ms-2 small">{words["client"]}: <a href="{escape(client_url)}">'
        f'{escape(client.display_name)}</a>\n'
        f'      · {words["freelancer"]}: <a href="{escape(freelancer_url)}">'
        f'{escape(freelancer.display_name)}</a></span>\n    </div>')


@register.simple_tag
def contract_actions(contract, actions, can_request_cancellation):
    """The buttons at the top of the page: the contract's actions the viewer may take, the
    cancellation request, the record."""
    words = _words_in(get_language())
    out = []
    for action in actions:
        href = reverse("contracts:action", args=[contract.pk, action.name])
        out.append(f'<a class="btn btn-{escape(action.style)}" href="{escape(href)}" '
                       f'data-action="{escape(action.name)}">{escape(str(action.label))}</a>')
    if can_request_cancellation:
        out.append(f'<a class="btn btn-outline-secondary" '
                   f'href="{reverse("disputes:cancellation_new", args=[contract.pk])}" '
                   f'data-action="request_cancellation">{words["request_cancellation"]}</a>')
    out.append(f'<a class="btn btn-outline-secondary" '
               f'href="{reverse("contracts:record", args=[contract.pk])}">'
               f'<i class="bi bi-journal-text"></i> {words["record"]}</a>')
    return mark_safe("\n    ".join(out))  # noqa: S308 (every text escaped above)


@register.simple_tag
def money_cards(money):
    """The four figures of the contract's money, each with its cents for scripts and tests."""
    def card(label: str, element_id: str, cents: int, extra: str = "") -> str:
        return (f'  <div class="col-6 col-md-3"><div class="card h-100"><div class="card-body '
                f'py-2"><div class="small text-body-secondary">{escape(label)}</div><div '
                f'class="fs-5" id="{element_id}" data-cents="{int(cents)}">{_money(cents)}</div>'
                f'{extra}</div></div></div>')

    words = _words_in(get_language())
    fees = (f'<div class="small text-body-secondary">{words["after_fees"]} '
            f'{_money(money["released_fees_cents"])}</div>')
    return mark_safe("\n".join([  # noqa: S308 (every text escaped above)
        card(words["in_escrow"], "escrow-balance", money["escrow_cents"]),
        card(words["client_paid"], "client-paid", money["client_paid_cents"]),
        card(words["freelancer_received"], "freelancer-received",
             money["freelancer_received_cents"], fees),
        card(words["client_refunded"], "client-refunded", money["refunded_to_client_cents"]),
    ]))


@register.simple_tag
def milestones_card(contract, milestones, can_add_milestone):
    """The milestones' card: its heading (with the client's button to add one while the
    contract is active) and its table (`milestone_rows`)."""
    words = _words_in(get_language())
    add = ""
    if can_add_milestone:
        add = (f'<a class="btn btn-sm btn-outline-primary" '
               f'href="{reverse("contracts:milestone_new", args=[contract.pk])}"><i '
               f'class="bi bi-plus"></i> {words["add"]}</a>')
    return mark_safe(  # noqa: S308 (every text escaped here and in milestone_rows)
        '<div class="card mb-4" id="milestones"><div class="card-body">\n'
        '  <div class="d-flex justify-content-between align-items-center mb-2">\n'
        f'    <h2 class="h5 mb-0">{words["milestones"]}</h2>\n    {add}\n  </div>\n'
        '  <div class="table-responsive"><table class="table table-sm align-middle mb-0 '
        'table-stack">\n'
        f'    <thead><tr><th scope="col">#</th><th scope="col">{words["milestone_label"]}</th>'
        f'<th scope="col">{words["state"]}</th><th scope="col" class="text-end">'
        f'{words["amount"]}</th><th scope="col"><span class="visually-hidden">'
        f'{words["actions"]}</span></th></tr></thead>\n    <tbody>\n'
        f'    {milestone_rows(contract, milestones)}\n    </tbody>\n  </table></div>\n'
        '</div></div>')


def milestone_rows(contract, milestones) -> str:
    """Each milestone as a table row: position, title, what to know (due date, the review's
    auto-release with its countdown, what was paid), state, amount and the viewer's actions."""
    if not milestones:
        return ""
    words = _words_in(get_language())
    labels, months = words["milestone"], month_names()
    auto_release, paid, settled = words["auto_release"], words["paid"], words["settled"]
    links = {}
    out = []
    for m in milestones:
        state = m.state
        notes = []
        if m.due_date:
            due = m.due_date
            notes.append(f'{words["due"]} {due.day} {months[due.month]} {due.year}')
        if state == MilestoneState.SUBMITTED:
            if m.deadline_at:
                notes.append(deadline(m.deadline_at, auto_release))
            if m.paused_remaining:
                notes.append(words["paused"])
        elif state == MilestoneState.RELEASED:
            notes.append(paid % {"net": _money(m.paid_to_freelancer_cents),
                                 "fee": _money(m.fee_cents)})
        elif state == MilestoneState.SETTLED:
            notes.append(settled % {"f": _money(m.settled_to_freelancer_cents),
                                    "c": _money(m.settled_to_client_cents)})
        buttons = []
        for action in m.actions:
            link = links.get(action.name)
            if link is None:
                link = links[action.name] = row_link("contracts:milestone_action", contract.pk,
                                                     after=(action.name,))
            buttons.append(f'<a class="btn btn-sm btn-{escape(action.style)} ms-1" '
                           f'href="{escape(link(m.pk))}" data-action="{escape(action.name)}">'
                           f'{escape(str(action.label))}</a>')
        badge = _badge(state, labels)
        out.append(
            f'<tr id="milestone-{int(m.pk)}" data-milestone="{int(m.position)}">\n'
            f'        <td data-label="#">{int(m.position)}</td>\n'
            f'        <td data-label="{words["milestone_label"]}">{escape(m.title)}\n'
            f'          <div class="small text-body-secondary">\n'
            f'            {" ".join(notes)}\n'
            f'          </div>\n        </td>\n'
            f'        <td data-label="{words["state"]}">{badge}</td>\n'
            f'        <td class="text-end" data-label="{words["amount"]}">'
            f'{_money(m.amount_cents)}</td>\n'
            f'        <td class="text-end text-nowrap">\n          {"".join(buttons)}\n'
            f'        </td>\n      </tr>')
    return "\n      ".join(out)


@register.simple_tag
def scope_and_thread(contract, user, role):
    """The scope of work's card, and the thread's card up to its form (which stays in the
    template): its heading, a link to the record when older messages are there, and the
    latest messages."""
    words = _words_in(get_language())
    description = escape(normalize_newlines(contract.description)).replace("\n", "<br>")
    earlier = ""
    if len(contract.recent_messages) >= 20:
        earlier = (f'<p class="small"><a href="{reverse("contracts:record", args=[contract.pk])}">'
                   f'{words["earlier"]}</a></p>')
    return mark_safe(  # noqa: S308 (every text escaped here and in thread_messages)
        '<div class="card mb-4"><div class="card-body">\n'
        f'      <h2 class="h5">{words["scope"]}</h2>\n'
        f'      <p class="mb-0">{description}</p>\n    </div></div>\n'
        '<div class="card mb-4" id="thread"><div class="card-body">\n'
        f'  <h2 class="h5">{words["messages"]}</h2>\n  <div class="thread">\n  {earlier}\n'
        f'  {thread_messages(contract, user, role)}\n  </div>')


@register.simple_tag
def timeline(contract):
    """The timeline: its latest events (one cached block, contracts.rows), and a link to the
    record when it holds more."""
    words = _words_in(get_language())
    events = contract.recent_events or f"\n  <li>{words['nothing_recorded']}</li>\n"
    more = ""
    if contract.record_head_seq > contract.recent_event_count:
        more = (f'<p class="small"><a href="{reverse("contracts:record", args=[contract.pk])}">'
                f'{escape(words["all_events"] % {"n": contract.record_head_seq})}</a></p>')
    return mark_safe(  # noqa: S308 (the events are our templates' output; texts escaped)
        f'<h2 class="h5">{words["timeline"]}</h2>\n'
        f'    <ol class="timeline" id="timeline">\n{events}\n</ol>\n    {more}')


def thread_messages(contract, user, role):
    """The thread's latest messages, each its cached HTML (contracts.rows) in a frame that
    depends on the viewer: whether it is theirs, and a link to report it if it is not."""
    messages = contract.recent_messages
    if not messages:
        return mark_safe(  # noqa: S308 (a translated text, escaped)
            f'<p class="text-body-secondary" id="thread-empty">'
            f'{_words_in(get_language())["thread_empty"]}</p>')
    report = _words_in(get_language())["report"]
    link = row_link("contracts:message_report", contract.pk)
    out = []
    for message in messages:
        message_id = int(message["id"])
        mine = message["author_id"] == user.pk
        frame = (f'<div class="message ps-3 mb-3{" mine" if mine else ""}" '
                 f'id="message-{message_id}">{message["html"]}')
        if not mine and not message["hidden_reason"] and role:
            frame += (f'\n      <div class="small"><a class="link-secondary" '
                      f'href="{link(message_id)}" data-report="{message_id}">{report}</a></div>')
        out.append(frame + "</div>")
    return mark_safe("\n  ".join(out))  # noqa: S308 (rows are our templates' output; escaped)
