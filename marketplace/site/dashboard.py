"""The dashboard's "needs my action" list, gathered from every app, soonest deadline first.

The site is the top layer, so it reads each app's selectors directly."""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from contracts import selectors as contract_selectors
from disputes import selectors as case_selectors
from disputes.models import DisputeState
from marketplace.kernel.compiled import together
from marketplace.kernel.links import row_link
from marketplace.kernel.money import format_money
from marketplace.kernel.services.notifications import keep_unread, unread_read
from reputation.selectors import feedback_to_leave, feedback_to_leave_read


@dataclass(frozen=True)
class ActionItem:
    title: str
    detail: str
    url: str
    deadline: datetime | None = None
    badge: str = ""
    waiting_on_me: bool = True


# Each source reads rows of values through a read compiled once (the apps' selectors), and
# links each row from one reverse (kernel.links): the dashboard is every user's first page.


def _offer_items(user, rows: list[dict]) -> list[ActionItem]:
    items = []
    link = row_link("contracts:detail")
    for c in contract_selectors.live_offers(user, rows):
        amount = format_money(c["amount_cents"])
        if c["freelancer_id"] == user.pk:
            items.append(ActionItem(
                title=_("Answer the offer “%(title)s”") % {"title": c["title"]},
                detail=_("%(amount)s from %(name)s") % {"amount": amount,
                                                        "name": c["client_name"]},
                url=link(c["id"]), deadline=c["deadline_at"], badge=_("Offer")))
        else:
            items.append(ActionItem(
                title=_("Offer “%(title)s” awaits %(name)s")
                % {"title": c["title"], "name": c["freelancer_name"]},
                detail=_("Offer to %(name)s: %(amount)s — waiting for %(name)s's answer; you "
                         "can withdraw it until then.")
                % {"name": c["freelancer_name"], "amount": amount},
                url=link(c["id"]), deadline=c["deadline_at"], badge=_("Offer sent"),
                waiting_on_me=False))
    return items


_TEXTS: dict = {}


def _milestone_texts() -> dict:
    """(title, detail) per milestone state and side, and the badges, translated once per
    process and language (catalogs do not change while it runs), not per row or page: a
    busy dashboard lists 25 milestones. Each names the amount the milestone row stores."""
    language = get_language()
    texts = _TEXTS.get(language)
    if texts is None:
        texts = _TEXTS[language] = _translated_milestone_texts()
    return texts


def _translated_milestone_texts() -> dict:
    return {
        "badges": {"pending": _("Fund"), "funded": _("Deliver"), "submitted": _("Review")},
        ("pending", True): (_("Fund “%(title)s”"), _("%(amount)s on “%(contract)s”")),
        ("pending", False): (
            _("“%(title)s” awaits funding"),
            _("%(amount)s on “%(contract)s” — waiting for %(client)s to fund it")),
        ("funded", True): (_("Deliver “%(title)s”"),
                           _("%(amount)s in escrow on “%(contract)s”")),
        ("funded", False): (
            _("“%(title)s” awaits delivery"),
            _("%(amount)s in escrow on “%(contract)s” — waiting for %(freelancer)s to "
              "deliver")),
        ("submitted", True): (
            _("Review “%(title)s”"),
            _("%(amount)s on “%(contract)s”; released automatically at the deadline")),
        ("submitted", False): (
            _("“%(title)s” awaits approval"),
            _("%(amount)s on “%(contract)s” — submitted, waiting for %(client)s's approval; "
              "released automatically at the deadline")),
    }


def _milestone_items(user, rows: list[dict]) -> list[ActionItem]:
    items = []
    link = row_link("contracts:detail")
    texts = _milestone_texts()
    badges = texts["badges"]
    for m in contract_selectors.milestones_needing_action(user, rows):
        is_client = user.pk == m["contract__client_id"]
        # The client funds and reviews; the freelancer delivers.
        mine = not is_client if m["state"] == "funded" else is_client
        title, detail = texts[(m["state"], mine)]
        names = {"title": m["title"], "contract": m["contract__title"],
                 "amount": format_money(m["amount_cents"]), "client": m["client_name"],
                 "freelancer": m["freelancer_name"]}
        items.append(ActionItem(
            title % names, detail % names, link(m["contract_id"]) + "#milestones",
            m["deadline_at"] if m["state"] == "submitted" else None, badges[m["state"]],
            waiting_on_me=mine))
    return items


def _case_items(user, rows: list[dict]) -> list[ActionItem]:
    items = []
    link = row_link("disputes:cancellation")
    for r in case_selectors.live_requests(user, rows):
        to_freelancer = r["amount_to_freelancer_cents"]
        terms = {"freelancer": format_money(to_freelancer),
                 "client": format_money(r["escrow_cents"] - to_freelancer)}
        if r["turn_user_id"] == user.pk:
            items.append(ActionItem(
                title=(_("Respond to the denial on “%(title)s”") if r["state"] == "denied"
                       else _("Answer the cancellation request on “%(title)s”"))
                % {"title": r["contract__title"]},
                detail=_("Terms: %(freelancer)s to the freelancer, %(client)s back to the "
                         "client") % terms,
                url=link(r["id"]), deadline=r["deadline_at"], badge=_("Cancellation")))
        else:
            items.append(ActionItem(
                title=_("Cancellation request on “%(title)s” awaits %(name)s")
                % {"title": r["contract__title"], "name": r["turn_user_name"]},
                detail=_waiting_request_detail(r, terms),
                url=link(r["id"]), deadline=r["deadline_at"], badge=_("Cancellation"),
                waiting_on_me=False))
    return items


def _waiting_request_detail(r: dict, terms: dict) -> str:
    """The terms on the table, whose answer they wait for and what the deadline would do
    (policy 3.3: silence applies the terms, the freelancer's share capped at the submitted
    work; 3.4: a denial not disputed lapses)."""
    if r["state"] == "denied":
        return _("Denied. Terms asked: %(freelancer)s to the freelancer, %(client)s back to "
                 "the client — waiting for %(name)s to counter-propose, dispute or withdraw. "
                 "If the deadline passes, the request lapses and the contract continues.") % {
            **terms, "name": r["turn_user_name"]}
    waiting = _("Terms: %(freelancer)s to the freelancer, %(client)s back to the client — "
                "waiting for %(name)s's answer.") % {**terms, "name": r["turn_user_name"]}
    at_timeout = min(r["amount_to_freelancer_cents"], r["submitted_value_cents"])
    if at_timeout == r["amount_to_freelancer_cents"]:
        return f"{waiting} " + _("They apply if the deadline passes in silence.")
    return f"{waiting} " + _(
        "If the deadline passes in silence: %(freelancer)s to the freelancer (the submitted "
        "work), %(client)s back to the client.") % {
        "freelancer": format_money(at_timeout),
        "client": format_money(r["escrow_cents"] - at_timeout)}


def _feedback_items(user, rows: list[dict]) -> list[ActionItem]:
    link = row_link("reputation:feedback")
    return [
        ActionItem(title=_("Leave feedback on “%(title)s”") % {"title": c["title"]},
                   detail=_("Double-blind: shown when both of you have, or when the window "
                            "closes."),
                   url=link(c["id"]), deadline=c["closes_at"], badge=_("Feedback"))
        for c in feedback_to_leave(user, rows)
    ]


def _dispute_items(user, rows: list[dict]) -> list[ActionItem]:
    link = row_link("disputes:dispute")
    return [
        ActionItem(title=_("Dispute on “%(title)s”: %(stage)s")
                   % {"title": d["contract__title"],
                      "stage": str(DisputeState(d["state"]).label).lower()},
                   detail=_("Offers, evidence and the mediator's proposal are in the dispute "
                            "room."),
                   url=link(d["id"]), deadline=d["deadline_at"], badge=_("Dispute"))
        for d in case_selectors.disputes_awaiting(user, rows)
    ]


# Each source: the read it needs and how its rows become items. All of them, the frame's
# unread count and the e-mail check go in one round trip (kernel.compiled.together).
SOURCES = [
    (case_selectors.live_requests_read, _case_items),
    (case_selectors.disputes_awaiting_read, _dispute_items),
    (contract_selectors.live_offers_read, _offer_items),
    (contract_selectors.milestones_needing_action_read, _milestone_items),
    (feedback_to_leave_read, _feedback_items),
]


@dataclass(frozen=True)
class CaseWork:
    """A case worker's dashboard: the cases they hold, soonest deadline first, and how many
    wait in their queue for someone to take them."""

    held: list[ActionItem]
    waiting_in_queue: int


def _held_item(dispute) -> ActionItem:
    title = dispute.contract.title
    url = reverse("admin:disputes_dispute_change", args=[dispute.pk])
    badge = dispute.get_state_display()
    if dispute.state == "mediation":
        return ActionItem(_("Propose a resolution: “%(title)s”") % {"title": title},
                          _("Dispute #%(id)s, in mediation; propose before the SLA ends.")
                          % {"id": dispute.pk}, url, dispute.sla_due_at, badge)
    if dispute.state == "proposal":
        return ActionItem(_("Your proposal on “%(title)s” awaits the parties") % {"title": title},
                          _("Dispute #%(id)s; silence counts as acceptance at the deadline.")
                          % {"id": dispute.pk}, url, dispute.deadline_at, badge,
                          waiting_on_me=False)
    return ActionItem(_("Decide: “%(title)s”") % {"title": title},
                      _("Dispute #%(id)s, in arbitration; decide before the SLA ends.")
                      % {"id": dispute.pk}, url, dispute.sla_due_at, badge)


def case_work(user) -> CaseWork | None:
    """For mediators and arbitrators (staff): "My cases"; None for everyone else."""
    if not user.is_staff:
        return None
    held = [_held_item(d) for d in case_selectors.cases_held_by(user)[:PER_SOURCE]]
    return CaseWork(held=held, waiting_in_queue=case_selectors.queue_waiting(user).count())


# Each source lists at most this many items: the dashboard is a to-do list, not an archive
# (the contracts page lists everything).
PER_SOURCE = 25


def action_items(user) -> list[ActionItem]:
    """What waits on the user or on the other side, from every source. Also keeps the
    user's unread count and e-mail check for the page's frame and banner, read with them."""
    *found, unread, verified = together(*(read(user) for read, _items in SOURCES),
                                        unread_read(user), user.verified_email_read())
    keep_unread(user, unread)
    user.keep_verified_email(verified)
    items = [item for (_read, build), rows in zip(SOURCES, found, strict=True)
             for item in build(user, rows)[:PER_SOURCE]]
    far = datetime.max.replace(tzinfo=None)
    return sorted(
        items,
        key=lambda i: (not i.waiting_on_me, i.deadline.replace(tzinfo=None) if i.deadline else far),
    )
