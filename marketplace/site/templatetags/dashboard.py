"""The dashboard's rows, built in Python: a busy user's dashboard lists dozens of items, and a
template loop over them cost more than everything else on the page (and `format_html` per
row, with its lazy-string checks on every argument, most of what was left)."""

from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from marketplace.kernel.templatetags.marketplace import deadline

register = template.Library()


@register.simple_tag
def action_rows(items, emphasised: bool = True):
    """Each item as a link row: its badge (primary when it waits on the user), its title
    (bold in an emphasised list), what to know, and its deadline with a countdown (live:
    never cached). Every text is escaped here."""
    label = _("Due") if emphasised else ""
    out = []
    for item in items:
        title = escape(str(item.title))
        if emphasised:
            title = f"<strong>{title}</strong>"
        out.append(
            f'<a href="{escape(item.url)}" class="list-group-item list-group-item-action">\n'
            '        <div class="d-flex justify-content-between align-items-start">\n'
            f'          <div><span class="badge '
            f'{"text-bg-primary" if item.waiting_on_me else "text-bg-secondary"} me-2">'
            f'{escape(str(item.badge))}</span>{title}\n'
            f'            <div class="small text-body-secondary">{escape(str(item.detail))}'
            '</div></div>\n'
            f'          <div class="text-end small">'
            f'{deadline(item.deadline, label) if item.deadline else ""}</div>\n'
            "        </div>\n      </a>")
    return mark_safe("\n      ".join(out))  # noqa: S308 (every text escaped above)
