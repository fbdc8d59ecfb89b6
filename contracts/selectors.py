"""Reads of contracts, scoped to the user asking: a non-party sees nothing (404, not 403)."""

from datetime import timedelta

from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    When,
    prefetch_related_objects,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import access, rows
from contracts.models import (
    Account,
    AccountKind,
    Attachment,
    Contract,
    ContractState,
    Entry,
    LedgerTransaction,
    Message,
    MessageReport,
    Milestone,
    MilestoneState,
    ReportState,
    StaffReader,
    TransactionKind,
)
from marketplace.kernel.compiled import (
    CompiledQuery,
    Read,
    fields_of,
    instance,
    prefetched,
    together,
)
from marketplace.kernel.models import Event, User
from marketplace.kernel.paged import CompiledPages, PagedRows
from marketplace.kernel.services.notifications import keep_unread, unread_read


def contracts_for(user):
    """Every contract the user is a party to."""
    return Contract.objects.filter(Q(client=user) | Q(freelancer=user))


def _listed(user_id: int):
    total = (Milestone.objects.filter(contract_id=OuterRef("pk")).order_by()
             .values("contract_id").annotate(total=Sum("amount_cents")).values("total"))
    return (Contract.objects.filter(Q(client_id=user_id) | Q(freelancer_id=user_id))
            .annotate(total_cents=Subquery(total))
            .order_by("-last_activity_at", "-id")
            .values("id", "title", "state", "last_activity_at", "total_cents", "client_id",
                    *User.name_values("client"), *User.name_values("freelancer")))


def _listed_in_state(user_id: int, state: str):
    return _listed(user_id).filter(state=state)


# The contracts list (issue 17): every contract of the user's, as rows, compiled once.
LISTED = CompiledQuery(_listed)
LISTED_IN_STATE = CompiledQuery(_listed_in_state)


def contract_list_rows(user, *, state: str | None = None) -> list[dict]:
    """What the contracts list shows of each of the user's contracts (in `state`, if
    given), latest activity first: title, state, value, the other party's name. One read."""
    found = (LISTED_IN_STATE.rows(user_id=user.pk, state=state) if state
             else LISTED.rows(user_id=user.pk))
    for row in found:
        other = "freelancer" if row["client_id"] == user.pk else "client"
        row["with"] = User.name_in(row, other)
    return found


def contract_for_party(user, contract_id: int) -> Contract:
    """The contract if `user` is a party to it, else 404."""
    try:
        return contracts_for(user).select_related("client", "freelancer").get(pk=contract_id)
    except Contract.DoesNotExist as exc:
        raise Http404 from exc


def contract_for_record(user, contract_id: int) -> Contract:
    """The record page is open to the parties and to staff who need to know (the case
    workers of the contract's case: `contracts.access`); 404 for anyone else."""
    try:
        return (access.readable_contracts(user).select_related("client", "freelancer")
                .get(pk=contract_id))
    except Contract.DoesNotExist as exc:
        raise Http404 from exc


# The contract page shows the latest of the thread and the timeline; the record page has it all.
RECENT = 20


def _contract_for_page(contract_id: int, user_id: int):
    return (Contract.objects.filter(Q(client_id=user_id) | Q(freelancer_id=user_id),
                                    pk=contract_id)
            .values(*fields_of(Contract),
                    *(f"{via}__{name}" for via in ("client", "freelancer")
                      for name in User.NAME_FIELDS)))


def _milestones_of(contract_id: int):
    return Milestone.objects.filter(contract_id=contract_id).values(*fields_of(Milestone))


def _recent_events_of(contract_id: int):
    return (Event.objects.filter(contract_id=contract_id).order_by("-seq")
            .values("id", "seq", "created_at", "text", *User.name_values("actor"))
            .annotate(hidden_reason=event_hidden_reason())[:RECENT])


def _recent_messages_of(contract_id: int):
    return (Message.objects.filter(contract_id=contract_id).order_by("-created_at", "-id")
            .values("id", "created_at", "body", *User.name_values("author"))
            .annotate(hidden_reason=hidden_reason())[:RECENT])


CONTRACT_FOR_PAGE = CompiledQuery(_contract_for_page)
MILESTONES_OF = CompiledQuery(_milestones_of)
RECENT_EVENTS_OF = CompiledQuery(_recent_events_of)
RECENT_MESSAGES_OF = CompiledQuery(_recent_messages_of)


def contract_page(user, contract_id: int) -> Contract:
    """The contract with what its page shows: its milestones (`page_milestones`), and the
    latest of its timeline and thread as rendered rows (`recent_events`: the events' HTML
    joined, `recent_event_count` of them; `recent_messages`: dicts with `html`). The page's reads are compiled once
    (kernel.compiled), rows are read as values (nothing is called on them) and rendered
    once for each viewer's time zone and language (contracts.rows); the record page has
    every row. The page's reads, and the frame's unread count, go in one round trip
    (kernel.compiled.together): what they find for a contract the user is no party to is
    dropped unseen (404)."""
    found, milestone_rows, events, messages, unread = together(
        CONTRACT_FOR_PAGE.read(contract_id=contract_id, user_id=user.pk),
        MILESTONES_OF.read(contract_id=contract_id), RECENT_EVENTS_OF.read(contract_id=contract_id),
        RECENT_MESSAGES_OF.read(contract_id=contract_id), unread_read(user))
    if not found:
        raise Http404
    keep_unread(user, unread)
    row = found[0]
    contract = instance(Contract, row)
    contract.client = instance(User, row, "client__")
    contract.freelancer = instance(User, row, "freelancer__")
    contract.page_milestones = [instance(Milestone, m) for m in milestone_rows]
    for milestone in contract.page_milestones:
        milestone.contract = contract
    prefetched(contract, "milestones", contract.page_milestones)
    for event in events:
        event["actor_name"] = User.name_in(event, "actor") or str(_("system"))
    events.reverse()
    # One cached block for the whole timeline (its key names every event's key).
    contract.recent_events = rows.TIMELINE_EVENTS.render_joined(events)
    contract.recent_event_count = len(events)
    messages.reverse()
    for message in messages:
        message["author_name"] = User.name_in(message, "author")
    for message, html in zip(messages, rows.THREAD_MESSAGES.render_together(messages),
                             strict=True):
        message["html"] = html
    contract.recent_messages = messages
    return contract


def _with_thread_and_record(contract: Contract) -> Contract:
    prefetch_related_objects(
        [contract],
        "milestones",
        Prefetch("events", queryset=Event.objects.select_related("actor").order_by("seq")),
        Prefetch(
            "messages",
            queryset=Message.objects.select_related("author").prefetch_related("attachments"),
        ),
    )
    return contract


def record_page(user, contract_id: int) -> Contract:
    contract = contract_for_record(user, contract_id)
    return _with_thread_and_record(contract)


def attachment_for(user, attachment_id: int) -> Attachment:
    """An attachment for a party to its contract, or for staff who need to know; else 404."""
    try:
        return access.readable_attachments(user).select_related("contract").get(pk=attachment_id)
    except Attachment.DoesNotExist as exc:
        raise Http404 from exc


def _live_offers_of(user_id: int):
    # What the offer asks: the sum of its milestones' stored amounts (a subquery of the same
    # read, not one more query).
    offered = (Milestone.objects.filter(contract_id=OuterRef("pk"))
               .exclude(state=MilestoneState.VOID).order_by()
               .values("contract_id").annotate(total=Sum("amount_cents")).values("total"))
    return (Contract.objects.filter(Q(client_id=user_id) | Q(freelancer_id=user_id),
                                    state=ContractState.OFFERED)
            .annotate(amount_cents=Subquery(offered))
            .order_by("deadline_at", "id")
            .values("id", "title", "client_id", "freelancer_id", "deadline_at", "amount_cents",
                    *User.name_values("client"), *User.name_values("freelancer"))[:50])


# The dashboard's reads: compiled once (kernel.compiled), values only.
LIVE_OFFERS_OF = CompiledQuery(_live_offers_of)


def live_offers_read(user) -> Read:
    return LIVE_OFFERS_OF.read(user_id=user.pk)


def live_offers(user, rows: list[dict] | None = None) -> list[dict]:
    """Offers the user made or received that still wait for an answer, soonest first (at
    most 50), as rows with both parties' names (`rows`: as `live_offers_read` read them)."""
    rows = live_offers_read(user).rows() if rows is None else rows
    for row in rows:
        row["client_name"] = User.name_in(row, "client")
        row["freelancer_name"] = User.name_in(row, "freelancer")
    return rows


def escrow_cents(contract: Contract) -> int:
    """What the contract's escrow holds: its funded and submitted milestones (a read, no lock)."""
    return contract.milestones.filter(state__in=["funded", "submitted"]).aggregate(
        total=Sum("amount_cents"))["total"] or 0


def money_summary(contract: Contract, milestones: list, settlement=None) -> dict:
    """What the contract's money looks like, from its (already loaded) milestones and its
    settlement, if any (whose fee was taken once on the freelancer's whole share)."""
    def total(states, attr="amount_cents"):
        return sum(getattr(m, attr) or 0 for m in milestones if m.state in states)

    released = [m for m in milestones if m.state == MilestoneState.RELEASED]
    settlement_fee = settlement.fee_cents if settlement is not None else 0
    settled = [m for m in milestones if m.state == MilestoneState.SETTLED]
    return {
        "escrow_cents": total({MilestoneState.FUNDED, MilestoneState.SUBMITTED}),
        "agreed_cents": total({s for s in MilestoneState.values if s != MilestoneState.VOID}),
        "client_paid_cents": total({MilestoneState.FUNDED, MilestoneState.SUBMITTED,
                                    MilestoneState.RELEASED, MilestoneState.SETTLED}),
        "freelancer_received_cents": sum(m.amount_cents - m.fee_cents for m in released)
        + sum(m.settled_to_freelancer_cents or 0 for m in settled) - settlement_fee,
        "released_fees_cents": sum(m.fee_cents for m in released) + settlement_fee,
        "refunded_to_client_cents": sum(m.settled_to_client_cents or 0 for m in settled),
    }


def wallet_statement(user):
    """The user's wallet entries, newest first, with their transactions."""
    return (Entry.objects.filter(account__user=user, account__kind="wallet")
            .select_related("transaction", "transaction__contract")
            .order_by("-transaction__created_at", "-id"))


# The wallet page (issue 17): its balance and the statement's length in one read, one page
# of statement lines in another, both compiled once; the lines render from the page cache.
STATEMENT_PAGE = 25


def _wallet_of(user_id: int):
    lines = (Entry.objects.filter(account_id=OuterRef("pk")).order_by()
             .values("account_id").annotate(n=Count("id")).values("n"))
    return (Account.objects.filter(kind=AccountKind.WALLET, user_id=user_id)
            .annotate(lines=Subquery(lines)).values("id", "balance_cents", "lines")[:1])


WALLET_OF = CompiledQuery(_wallet_of)

STATEMENT_LINE_FIELDS = ("id", "transaction_id", "amount_cents", "balance_after_cents",
                         "transaction__created_at", "transaction__kind", "transaction__memo",
                         "transaction__contract_id")


def _statement_lines(account_id: int):
    return (Entry.objects.filter(account_id=account_id)
            .order_by("-transaction__created_at", "-id").values(*STATEMENT_LINE_FIELDS))


STATEMENT_LINES_OF = CompiledPages(_statement_lines)


def wallet_page(user, page_number) -> dict:
    """What the wallet page shows: the balance and one page of the statement, newest first,
    each line rendered (kernel.pagecache: a ledger entry never changes). Two reads."""
    wallet = WALLET_OF.first(user_id=user.pk) or {"id": None, "balance_cents": 0, "lines": 0}
    account_id = wallet["id"]
    statement = PagedRows(wallet["lines"] or 0, lambda offset, size: STATEMENT_LINES_OF.rows(
        offset, size, account_id=account_id))
    page = Paginator(statement, STATEMENT_PAGE).get_page(page_number)
    return {"balance_cents": wallet["balance_cents"], "page": page,
            "lines": rows.STATEMENT_LINES.render(page.object_list)}


def _milestones_needing_action_of(user_id: int):
    return (Milestone.objects.filter(Q(contract__client_id=user_id)
                                     | Q(contract__freelancer_id=user_id),
                                     contract__state=ContractState.ACTIVE,
                                     state__in=["pending", "funded", "submitted"])
            .order_by("deadline_at", "contract_id", "position")
            .values("title", "state", "deadline_at", "amount_cents", "contract_id",
                    "contract__title", *User.name_values("contract__client"),
                    *User.name_values("contract__freelancer"))[:25])


MILESTONES_NEEDING_ACTION_OF = CompiledQuery(_milestones_needing_action_of)


def milestones_needing_action_read(user) -> Read:
    return MILESTONES_NEEDING_ACTION_OF.read(user_id=user.pk)


def milestones_needing_action(user, rows: list[dict] | None = None) -> list[dict]:
    """Milestones of the user's active contracts that wait on someone (fund, deliver,
    review), soonest deadline first (at most 25), as rows with both parties' names
    (`rows`: as `milestones_needing_action_read` read them)."""
    rows = milestones_needing_action_read(user).rows() if rows is None else rows
    for row in rows:
        row["client_name"] = User.name_in(row, "contract__client")
        row["freelancer_name"] = User.name_in(row, "contract__freelancer")
    return rows


def recent_same_movement(user, kind: str, amount_cents: int, *, within: timedelta):
    """The user's latest deposit or withdrawal (`kind`) of exactly this amount in the last
    `within`, if any: a second one so soon is more often a mistake (Back, then submit on a
    fresh form) than a wish, so the wallet asks first."""
    wallet_leg = amount_cents if kind == TransactionKind.DEPOSIT else -amount_cents
    return (LedgerTransaction.objects.filter(
        kind=kind, initiated_by=user, created_at__gte=timezone.now() - within,
        entries__account__kind=AccountKind.WALLET, entries__account__user=user,
        entries__amount_cents=wallet_leg).order_by("-created_at").first())


def hidden_reason() -> Subquery:
    """Why a mediator hid a message (NULL if they did not), for annotating message rows."""
    return Subquery(MessageReport.objects.filter(message=OuterRef("pk"), state=ReportState.HIDDEN)
                    .values("decision_reason")[:1])


def event_hidden_reason():
    """For a record event: why a mediator hid the message it records (NULL otherwise)."""
    return Case(When(subject_type="message", then=Subquery(
        MessageReport.objects.filter(message_id=OuterRef("subject_id"), state=ReportState.HIDDEN)
        .values("decision_reason")[:1])), default=None)


def hidden_messages(contract_id: int) -> dict[int, str]:
    """{message id: why a mediator hid it} on one contract (one query)."""
    return dict(MessageReport.objects.filter(message__contract_id=contract_id,
                                             state=ReportState.HIDDEN)
                .values_list("message_id", "decision_reason"))


def message_in_context(report, around: int = 3) -> list:
    """A reported message with the few messages around it on its thread, for the mediator
    deciding on it (not the whole contract): `around` before and after."""
    message = report.message
    thread = User.with_names(Message.objects.filter(contract_id=message.contract_id), "author")
    before = list(thread.filter(Q(created_at__lt=message.created_at)
                                | Q(created_at=message.created_at, pk__lt=message.pk))
                  .order_by("-created_at", "-id")[:around])
    after = list(thread.filter(Q(created_at__gt=message.created_at)
                               | Q(created_at=message.created_at, pk__gt=message.pk))
                 .order_by("created_at", "id")[:around])
    return [*reversed(before), message, *after]


def access_log(contract: Contract, *, limit: int = 50) -> tuple[list, int]:
    """The latest staff reads of the contract (newest first, with the readers' names), and
    how many there were in all."""
    entries = contract.access_log.all()
    latest = list(User.with_names(entries, "reader").order_by("-at", "-id")[:limit])
    return latest, entries.count() if len(latest) == limit else len(latest)


def _staff_readers_of(contract_id: int):
    # Kept by the access log's service (one row per reader), not counted from the log.
    return (StaffReader.objects.filter(contract_id=contract_id)
            .values(*User.name_values("reader"), "reads", first=F("first_at"),
                    last=F("last_at"))
            .order_by("first_at", "id"))


# Shown in every dispute room: compiled once (kernel.compiled).
STAFF_READERS_OF = CompiledQuery(_staff_readers_of)


def staff_who_read(contract: Contract) -> list[dict]:
    """Each staff member who read the contract's data: their name and their first and last
    read (not every click), first reader first (one query)."""
    return staff_readers(STAFF_READERS_OF.rows(contract_id=contract.pk))


def staff_readers(rows: list[dict]) -> list[dict]:
    """`staff_who_read` from the rows STAFF_READERS_OF read."""
    return [{"name": User.name_in(row, "reader"), "first": row["first"], "last": row["last"],
             "reads": row["reads"]} for row in rows]
