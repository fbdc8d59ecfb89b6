"""The dashboard's rows, built in Python: a busy user's dashboard lists dozens of items, and a
template loop over them cost more than everything else on the page (and `format_html` per
row, with its lazy-string checks on every argument, most of what was left)."""

from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
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


_WORDS: dict = {}


def _words() -> dict:
    """The lists' headings and notes, escaped, translated once per process and language."""
    language = get_language()
    words = _WORDS.get(language)
    if words is None:
        words = _WORDS[language] = {
            "mine": escape(_("Needs your action")),
            "urgent_first": escape(_("The most urgent first (up to 25 of each kind); the "
                                     "contracts page lists everything.")),
            "mine_empty": escape(_("Nothing needs your action right now.")),
            "theirs": escape(_("Waiting on others")),
            "theirs_empty": escape(_("Nothing is waiting on the other side.")),
        }
    return words


@register.simple_tag
def party_lists(mine, theirs):
    """A party's two lists: what needs their action, and what waits on the other side."""
    words = _words()
    if mine:
        first = (f'<div class="list-group mb-4" id="needs-action">\n      '
                 f'{action_rows(mine)}\n    </div>\n    <p class="small text-body-secondary '
                 f'mt-n3">{words["urgent_first"]}</p>')
    else:
        first = f'<p class="text-body-secondary" id="needs-action-empty">{words["mine_empty"]}</p>'
    if theirs:
        second = (f'<div class="list-group">\n      {action_rows(theirs, emphasised=False)}'
                  f'\n    </div>')
    else:
        second = f'<p class="text-body-secondary">{words["theirs_empty"]}</p>'
    return mark_safe(  # noqa: S308 (every text escaped here and in action_rows)
        f'<h2 class="h5">{words["mine"]}</h2>\n    {first}\n'
        f'    <h2 class="h5">{words["theirs"]}</h2>\n    {second}')
