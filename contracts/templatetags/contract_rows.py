"""The contracts list's rows, built in Python: a busy user lists dozens of contracts, and a
template loop with a tag and two filters per row cost more than the rest of the page (and
`format_html` per row, with its lazy-string checks on every argument, most of what was left).
"""

from html import escape

from django import template
from django.utils.safestring import mark_safe

from contracts.models import ContractState
from marketplace.kernel.links import row_link
from marketplace.kernel.money import format_money
from marketplace.kernel.templatetags.marketplace import badge_html, moments

register = template.Library()



@register.simple_tag
def contract_rows(rows):
    """Each contract of contracts.selectors.contract_list_rows as a table row (live: its state
    and last activity change, so nothing here is cached). Every text is escaped here."""
    link = row_link("contracts:detail")
    labels = {value: escape(str(label)) for value, label in ContractState.choices}
    moment = moments()
    out = []
    for row in rows:
        state = row["state"]
        out.append(
            f'<tr>\n    <td><a href="{link(row["id"])}">{escape(row["title"])}</a> '
            f'<small class="text-body-secondary">#{int(row["id"])}</small></td>\n'
            f'    <td>{escape(row["with"])}</td>\n'
            f'    <td>{badge_html(state, labels.get(state) or escape(state))}</td>\n'
            f'    <td class="text-end">{escape(format_money(row["total_cents"]))}</td>\n'
            f'    <td><small>{moment(row["last_activity_at"])}</small></td>\n  </tr>')
    return mark_safe("\n  ".join(out))  # noqa: S308 (every text escaped above)


