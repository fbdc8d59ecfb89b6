"""Template helpers: money, state badges, deadlines with countdowns, the queue for staff."""

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from marketplace.kernel.clauses import cited_clause
from marketplace.kernel.mail.queue import queue_status
from marketplace.kernel.money import format_money, platform_fee

register = template.Library()

BADGE_COLOURS = {
    "offered": "info", "active": "primary", "cancellation_requested": "warning",
    "disputed": "danger", "completed": "success", "cancelled": "secondary",
    "declined": "secondary", "withdrawn": "secondary", "expired": "secondary",
    "closed": "secondary", "pending": "light", "funded": "info", "submitted": "warning",
    "released": "success", "settled": "secondary", "void": "light",
}


@register.filter
def money(cents):
    return format_money(cents)


@register.filter
def clause_link(citation):
    """A proposal's or decision's cited clause, linked to it on the policy page."""
    clause = cited_clause(citation or "")
    if clause is None:
        return citation
    rest = citation.removeprefix(clause.citation)
    return format_html('<a href="{}" data-clause="{}">{}</a>{}', clause.url, clause.number,
                       clause.citation, rest)


@register.filter
def money_abs(cents):
    """An amount without its sign, for text that says which way it went ("out of …")."""
    return format_money(abs(int(cents or 0)))


@register.filter
def fee_of(cents):
    """The platform fee on what the freelancer receives (half-up, as the ledger takes it)."""
    return platform_fee(int(cents or 0))


@register.filter
def net_of_fee(cents):
    return int(cents or 0) - fee_of(cents)


@register.filter
def subtract(value, other):
    return int(value or 0) - int(other or 0)


ANSWERS = {"accepted": gettext_lazy("accepted"), "rejected": gettext_lazy("rejected"),
           "silence": gettext_lazy("no answer (counts as acceptance)")}


@register.filter
def answer(value):
    return ANSWERS.get(value, value) if value else _("no answer yet")


# Badge colours too light for white text.
DARK_TEXT = {"light", "warning", "info"}


def badge_html(value: str, label_html: str) -> str:
    """A state's badge: its colour, its value for tests and scripts, and its label (already
    escaped). For `state_badge` and for the rows and blocks that pages build in Python."""
    colour = BADGE_COLOURS.get(value, "secondary")
    return (f'<span class="badge text-bg-{colour}{" text-dark" if colour in DARK_TEXT else ""}"'
            f' data-state="{escape(value)}">{label_html}</span>')


@register.simple_tag
def state_badge(obj, field: str = "state"):
    label = getattr(obj, f"get_{field}_display")()
    return mark_safe(badge_html(getattr(obj, field), escape(label)))  # noqa: S308 (escaped)


def _span(delta_seconds: float) -> str:
    seconds = int(abs(delta_seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days} + (
            ", " + ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours} if hours else ""
        )
    if hours:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours} + (
            ", " + ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
            if minutes else ""
        )
    return ngettext("%(n)d minute", "%(n)d minutes", max(minutes, 1)) % {"n": max(minutes, 1)}


@register.simple_tag
def outcome(item, escrow=None):
    """What an offer, proposal or decision says: cancel with the split, or continue; and
    the fault. With the escrow it divides (the case's, frozen while the case runs: never the
    live balance, which a settlement empties), what each side would get. (Built in Python: a
    dispute room shows many of these, and a template per item cost more than the rest.)"""
    return mark_safe(outcomes()(item, escrow))  # noqa: S308 (escaped in outcomes())


_CHOICE_LABELS: dict = {}


def choice_label(obj, field: str) -> str:
    """`obj.get_<field>_display()` from the field's choices translated once per language
    (Django rebuilds the choices' dict at every call, a hundred calls or more each)."""
    key = (type(obj), field, get_language())
    labels = _CHOICE_LABELS.get(key)
    if labels is None:
        labels = _CHOICE_LABELS[key] = {
            value: str(label)
            for value, label in type(obj)._meta.get_field(field).flatchoices}
    value = getattr(obj, field)
    return labels.get(value, value)


def outcomes():
    """`outcome` for many items: its words translated once. Returns a function of an item
    (an offer, a proposal, a decision) and the escrow, giving escaped HTML."""
    fault_word = escape(_("fault"))
    continues = f"<strong>{escape(_('The contract continues'))}</strong>"
    cancel = f"<strong>{escape(_('Cancel'))}</strong>: "
    to_freelancer = escape(_("to the freelancer"))
    split_words = _("they receive %(net)s after the %(fee)s fee; %(back)s back to the client")
    faults = {}

    def render(item, escrow=None) -> str:
        fault = faults.get(item.fault)
        if fault is None:
            fault = faults[item.fault] = (
                f" · {fault_word}: {escape(str(choice_label(item, 'fault')).lower())}")
        if item.outcome == "continue":
            return continues + fault
        amount = item.amount_to_freelancer_cents
        split = ""
        if escrow is not None and 0 <= amount <= escrow:
            fee = platform_fee(amount)
            split = ' <span class="small text-body-secondary">({})</span>'.format(escape(
                split_words % {"net": format_money(amount - fee), "fee": format_money(fee),
                               "back": format_money(escrow - amount)}))
        return f"{cancel}{escape(format_money(amount))} {to_freelancer}{split}{fault}"
    return render


_MONTHS: dict[str, dict[int, str]] = {}


def month_names() -> dict[int, str]:
    """The months' short names (as `date:"M"`, escaped) in the current language, looked up
    once per process and language (catalogs do not change while it runs)."""
    language = get_language()
    months = _MONTHS.get(language)
    if months is None:
        months = _MONTHS[language] = {
            number: escape(str(name).title()) for number, name in MONTHS_3.items()}
    return months


def moments():
    """`moment` for many rows built in Python: the viewer's time zone and the month names
    looked up once, not per row. Returns escaped text."""
    zone = timezone.get_current_timezone()
    months = month_names()

    def moment_of(value) -> str:
        if not value:
            return ""
        local = value.astimezone(zone)
        return f"{local.day} {months[local.month]} {local.year}, {local:%H:%M}"
    return moment_of


@register.filter
def moment(value):
    """A moment as “26 Nov 2026, 15:01” in the viewer's time zone: `date:"j M Y, H:i"`
    without the general formatter, which cost more than the rest of a timeline row."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{local.day} {str(MONTHS_3[local.month]).title()} {local.year}, {local:%H:%M}"


@register.filter
def zone_name(value):
    """The viewer's time zone as it applies at that moment (“CET”, “UTC”), to print beside
    a time so nobody has to guess which zone it is in."""
    if not value:
        return ""
    return timezone.localtime(value).tzname() or ""


@register.filter
def countdown(deadline):
    """“in 3 days, 4 hours” or “overdue by 2 hours”, from now."""
    if not deadline:
        return ""
    delta = (deadline - timezone.now()).total_seconds()
    if delta >= 0:
        return _("in %(span)s") % {"span": _span(delta)}
    return _("overdue by %(span)s") % {"span": _span(delta)}


def _zone_abbreviation(local) -> str:
    """The `T` of the date filter: the zone's abbreviation, or nothing at a wall-clock time
    that is ambiguous or does not exist (when the clocks change), as Django writes it."""
    zone = local.tzinfo
    if zone.utcoffset(local.replace(fold=not local.fold)) != zone.utcoffset(local):
        return ""
    return str(zone.tzname(local))


@register.simple_tag
def deadline(when, label=""):
    """A deadline as a date in the viewer's time zone, with a countdown. (Built in Python:
    pages show many of these, and a template per deadline costs more than the page; the
    date is written as `date:"D j M Y, H:i T"` and its ISO form as `date:"c"` would write
    them, without the general formatter.)"""
    if not when:
        return ""
    local = timezone.localtime(when)
    iso = escape(local.isoformat())
    shown = (f"{WEEKDAYS_ABBR[local.weekday()]} {local.day} "
             f"{str(MONTHS_3[local.month]).title()} {local.year}, {local:%H:%M} "
             f"{_zone_abbreviation(local)}")
    return mark_safe(  # noqa: S308 (every text escaped)
        f'<span class="deadline{" text-danger" if when <= timezone.now() else ""}" '
        f'data-deadline="{iso}">{escape(f"{label} ") if label else ""}<time '
        f'datetime="{iso}">{escape(shown)}</time> <small class="text-body-secondary '
        f'countdown">({escape(countdown(when))})</small></span>')


@register.simple_tag
def queue_status_for(user):
    """The task queue's figures, for staff only (the console's index page)."""
    return queue_status() if user.is_staff else None
