"""The dashboard's rows, built in Python: a busy user's dashboard lists dozens of items, and a
template loop over them cost more than everything else on the page."""

from django import template
from django.utils.html import format_html_join
from django.utils.translation import gettext as _

from marketplace.kernel.templatetags.marketplace import deadline

register = template.Library()


@register.simple_tag
def action_rows(items, emphasised: bool = True):
    """Each item as a link row: its badge (primary when it waits on the user), its title
    (bold in an emphasised list), what to know, and its deadline with a countdown (live:
    never cached)."""
    label = _("Due") if emphasised else ""
    title = "<strong>{}</strong>" if emphasised else "{}"
    return format_html_join("\n      ", (
        '<a href="{}" class="list-group-item list-group-item-action">\n'
        '        <div class="d-flex justify-content-between align-items-start">\n'
        '          <div><span class="badge {} me-2">{}</span>' + title + '\n'
        '            <div class="small text-body-secondary">{}</div></div>\n'
        '          <div class="text-end small">{}</div>\n'
        "        </div>\n      </a>"), (
        (item.url, "text-bg-primary" if item.waiting_on_me else "text-bg-secondary", item.badge,
         item.title, item.detail, deadline(item.deadline, label) if item.deadline else "")
        for item in items))
