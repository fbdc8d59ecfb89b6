"""The console's queue: the filters (open cases by default, with a count per state), and the
columns a case worker works from (what is due when, and what is overdue by how long).

The rows are the user's own (need to know, `disputes.access`); the deadline is the one the
case view shows: the SLA in mediation and arbitration, the answering deadline otherwise.
"""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from disputes import selectors
from disputes.models import Dispute, DisputeState
from disputes.models.dispute import OPEN_STATES

OPEN, CLOSED, ALL = "open", "closed", "all"
SLA_STATES = (DisputeState.MEDIATION, DisputeState.ARBITRATION)


def compact_span(seconds: float) -> str:
    """A duration as a case worker scans it: “1 d 4 h”, “3 h 20 min”, “12 min”."""
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = max(rest // 60, 0 if days or hours else 1)
    if days:
        return (_("%(d)s d %(h)s h") if hours else _("%(d)s d")) % {"d": days, "h": hours}
    if hours:
        return (_("%(h)s h %(m)s min") if minutes else _("%(h)s h")) % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


def due_of(dispute):
    """The case's current deadline: the stage's SLA, or the parties' time to answer."""
    return dispute.sla_due_at if dispute.state in SLA_STATES else dispute.deadline_at


def due_badge(dispute, now=None) -> str:
    """Red “overdue by 1 d 4 h” when a stage's SLA has passed; “in 2 d 3 h” otherwise; a
    passed answering deadline is the clock's to act on (“ended 2 h ago”)."""
    due = due_of(dispute)
    if due is None:
        return ""
    seconds = (due - (now or timezone.now())).total_seconds()
    if seconds > 0:
        return format_html('<span class="console-badge due">{}</span>',
                           _("in %(span)s") % {"span": compact_span(seconds)})
    if dispute.state in SLA_STATES:
        return format_html('<span class="console-badge overdue" data-overdue="1">{}</span>',
                           _("overdue by %(span)s") % {"span": compact_span(seconds)})
    return format_html('<span class="console-badge ended">{}</span>',
                       _("ended %(span)s ago") % {"span": compact_span(seconds)})


class StateFilter(admin.SimpleListFilter):
    """Open cases by default; each state, the closed ones, or all; with a count each, from
    one query over the user's cases."""

    title = _lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        counts = dict(Dispute.objects.filter(model_admin.scope(request)).order_by()
                      .values_list("state").annotate(n=Count("id")).values_list("state", "n"))
        open_count = sum(counts.get(state, 0) for state in OPEN_STATES)
        total = sum(counts.values())
        return [
            (OPEN, _("Open cases (%(n)s)") % {"n": open_count}),
            *[(state.value, f"{state.label} ({counts.get(state.value, 0)})")
              for state in DisputeState],
            (CLOSED, _("Closed (%(n)s)") % {"n": total - open_count}),
            (ALL, _("All (%(n)s)") % {"n": total}),
        ]

    def value(self):
        return super().value() or OPEN

    def queryset(self, request, queryset):
        value = self.value()
        if value == OPEN:
            return queryset.filter(state__in=OPEN_STATES)
        if value == CLOSED:
            return queryset.exclude(state__in=OPEN_STATES)
        if value in DisputeState.values:
            return queryset.filter(state=value)
        return queryset

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {"selected": self.value() == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}


class AssignedToMeFilter(admin.SimpleListFilter):
    title = _lazy("assignment")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", _("Assigned to me")), ("none", _("Unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(Q(mediator=request.user) | Q(arbitrator=request.user))
        if self.value() == "none":
            return queryset.filter(selectors.unassigned_q())
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _lazy("SLA")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(selectors.overdue_q(timezone.now()))
        if self.value() == "no":
            return queryset.exclude(selectors.overdue_q(timezone.now()))
        return queryset
