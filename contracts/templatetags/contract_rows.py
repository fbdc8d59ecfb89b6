"""The contracts list's rows, built in Python: a busy user lists dozens of contracts, and a
template loop with a tag and two filters per row cost more than the rest of the page (and
`format_html` per row, with its lazy-string checks on every argument, most of what was left).
"""

from html import escape

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import mark_safe

from contracts.models import ContractState
from marketplace.kernel.links import row_link
from marketplace.kernel.money import format_money
from marketplace.kernel.templatetags.marketplace import BADGE_COLOURS

register = template.Library()

DARK_TEXT = {"light", "warning", "info"}


@register.simple_tag
def contract_rows(rows):
    """Each contract of contracts.selectors.contract_list_rows as a table row (live: its state
    and last activity change, so nothing here is cached). Every text is escaped here."""
    link = row_link("contracts:detail")
    labels = {value: escape(str(label)) for value, label in ContractState.choices}
    moment = _moments()
    out = []
    for row in rows:
        state = row["state"]
        colour = BADGE_COLOURS.get(state, "secondary")
        out.append(
            f'<tr>\n    <td><a href="{link(row["id"])}">{escape(row["title"])}</a> '
            f'<small class="text-body-secondary">#{int(row["id"])}</small></td>\n'
            f'    <td>{escape(row["with"])}</td>\n'
            f'    <td><span class="badge text-bg-{colour}{" text-dark" if colour in DARK_TEXT else ""}"'
            f' data-state="{escape(state)}">{labels.get(state) or escape(state)}</span></td>\n'
            f'    <td class="text-end">{escape(format_money(row["total_cents"]))}</td>\n'
            f'    <td><small>{moment(row["last_activity_at"])}</small></td>\n  </tr>')
    return mark_safe("\n  ".join(out))  # noqa: S308 (every text escaped above)


def _moments():
    """`moment` (kernel.templatetags.marketplace) for many rows: the viewer's time zone and
    the month names looked up once, not per row. Returns escaped text."""
    zone = timezone.get_current_timezone()
    months = {number: escape(str(name).title()) for number, name in MONTHS_3.items()}

    def moment(value) -> str:
        if not value:
            return ""
        local = value.astimezone(zone)
        return f"{local.day} {months[local.month]} {local.year}, {local:%H:%M}"
    return moment
