"""Template helpers of the case pages (the cancellation request page, the dispute room)."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from marketplace.kernel.links import row_link

register = template.Library()


@register.simple_tag(takes_context=True)
def conversation_entries(context, entries, contract=None):
    """A case's conversation as list items: each entry's rendered row
    (disputes.conversation, cached) inside what depends on the viewer, their own entries
    marked and a link to report another's message (parties only: `contract` is given).
    Built in Python: a case has many entries, and a template loop over them cost more than
    the rest of the room."""
    viewer_id = context["user"].pk
    report = row_link("contracts:message_report", contract.pk) if contract is not None else None
    divider = format_html('<li class="divider"><span>{}</span></li>',
                          _("The dispute"))
    items = []
    for entry in entries:
        if entry["opens_dispute"]:
            items.append(divider)
        css = " ".join(c for c in ("" if entry["actor_id"] else "system",
                                   "mine" if entry["actor_id"] == viewer_id else "") if c)
        link = ""
        if (report is not None and entry["message_id"] and entry["actor_id"] != viewer_id
                and not entry["hidden"]):
            link = format_html('\n    <div class="small"><a class="link-secondary" href="{}" '
                               'data-report="{}">{}</a></div>', report(entry["message_id"]),
                               entry["message_id"], _("Report"))
        items.append(format_html('<li class="{}" id="entry-{}" data-kind="{}">{}{}</li>', css,
                                 entry["seq"], entry["kind"], entry["html"], link))
    return format_html_join("\n  ", "{}", ((item,) for item in items))
