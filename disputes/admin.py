"""The mediator console (Django admin): the case queue, the read-only case view, and the
case's actions, each calling the same services as the parties' pages."""

from dataclasses import replace

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contracts import selectors as contract_selectors
from contracts.models import AccessKind, Attachment, LedgerTransaction, Message
from contracts.services.access_log import log_staff_read
from disputes import casefile, console_rows, selectors
from disputes.access import cases_visible_to
from disputes.console import CONSOLE_ACTIONS
from disputes.endings import dispute_ending
from disputes.models import CancellationRequest, Dispute, Proposal, SettlementOffer
from disputes.notices import notices_for
from disputes.queue import (
    AssignedToMeFilter,
    OverdueFilter,
    StateFilter,
    compact_span,
    due_badge,
    due_of,
)
from disputes.services.casework import dispute_assign_arbitrator, dispute_assign_mediator
from disputes.stepper import dispute_steps
from marketplace.kernel.actions import available
from marketplace.kernel.admin_mixins import NeedToKnowMixin, ReadOnlyAdmin
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Event, User
from marketplace.kernel.money import format_money
from marketplace.kernel.views_helpers import action_view


@admin.register(Dispute)
class DisputeAdmin(NeedToKnowMixin, admin.ModelAdmin):
    """The queue and the case view. Nothing is edited through a ModelForm: every change is a
    console action that calls a service. A case worker sees the cases in their queue and the
    ones they hold (`disputes.access`); any other case does not exist for them (404)."""

    list_display = ["case", "state_badge", "disputed", "held_by", "deadline", "escrow", "age"]
    list_display_links = ["case"]
    list_filter = [StateFilter, AssignedToMeFilter, OverdueFilter, "kind"]
    search_fields = ["=id", "contract__title", "contract__client__username",
                     "contract__freelancer__username"]
    # The soonest deadline first: that is the order the work is due in.
    ordering = [selectors.by_deadline(), "pk"]
    actions = ["assign_to_me"]
    list_per_page = 50
    # The state filter counts its cases itself (one query); the admin's facets would count
    # every filter again.
    show_facets = admin.ShowFacets.NEVER

    # --- the queue ------------------------------------------------------------------------

    def scope(self, request):
        return cases_visible_to(request.user)

    def get_queryset(self, request):
        return selectors.console_queue().filter(self.scope(request))

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "title": _("Case queue")})

    @admin.display(description=_("Case"), ordering="id")
    def case(self, obj):
        return format_html('#{} <span class="console-title">{}</span>', obj.pk, obj.contract.title)

    @admin.display(description=_("State"), ordering="state")
    def state_badge(self, obj):
        return format_html('<span class="console-state" data-state="{}">{}</span>', obj.state,
                           obj.get_state_display())

    @admin.display(description=_("Disputed"), ordering="kind")
    def disputed(self, obj):
        return _("cancellation") if obj.kind == "cancellation" else _("denial")

    @admin.display(description=_("Held by"))
    def held_by(self, obj):
        """Who works the case at its stage: its arbitrator in arbitration, else its mediator."""
        holder = obj.arbitrator if obj.state == "arbitration" else obj.mediator
        if holder is not None:
            return holder.display_name
        if obj.state in ("mediation", "proposal", "arbitration"):
            return format_html('<span class="console-badge unassigned">{}</span>',
                               _("nobody yet"))
        return "—"

    @admin.display(description=_("Deadline"), ordering=selectors.by_deadline())
    def deadline(self, obj):
        due = due_of(obj)
        if due is None:
            return "—"
        local = timezone.localtime(due)
        return format_html('<time datetime="{}">{} {}</time> {}', due.isoformat(),
                           date_format(local, "j M H:i"), local.tzname(), due_badge(obj))

    @admin.display(description=_("Escrow"), ordering="escrow_total")
    def escrow(self, obj):
        return format_money(obj.escrow_total)

    # Ascending age: the youngest case first.
    @admin.display(description=_("Age"), ordering="-created_at")
    def age(self, obj):
        return compact_span((timezone.now() - obj.created_at).total_seconds())

    @admin.action(description=_("Assign the selected cases to me"))
    def assign_to_me(self, request, queryset):
        done, refused = 0, []
        for dispute in queryset:
            try:
                if dispute.state == "arbitration":
                    dispute_assign_arbitrator(actor=request.user, dispute=dispute)
                else:
                    dispute_assign_mediator(actor=request.user, dispute=dispute)
                done += 1
            except DomainError as exc:
                refused.append(f"#{dispute.pk}: {exc.message}")
        if done:
            self.message_user(request, ngettext("%(n)s case assigned to you.",
                                                "%(n)s cases assigned to you.", done) % {"n": done})
        for line in refused:
            self.message_user(request, line, level=messages.WARNING)

    # --- no editing through forms ---------------------------------------------------------

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The queue's bulk action needs "change"; the case view itself never saves a form.
        return super().has_change_permission(request, obj)

    def get_urls(self):
        custom = [
            path("<int:pk>/act/<slug:action>/", self.admin_site.admin_view(self.console_action),
                 name="disputes_dispute_act"),
        ]
        return custom + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "GET":
            raise PermissionDenied  # changes go through the console actions only
        if not self.has_view_permission(request):
            raise PermissionDenied
        dispute = self._case(request, object_id)
        log_staff_read(reader=request.user, contract=dispute.contract, what=AccessKind.CASE,
                       object_id=dispute.pk)
        return TemplateResponse(request, "admin/disputes/dispute/case.html",
                                self._case_context(request, dispute))

    def _case(self, request, pk) -> Dispute:
        if not str(pk).isdigit():  # the URL takes any text; an id is a number
            raise Http404
        # Two joins, and the people it names in one more read: PostgreSQL spent longer
        # planning an eight-table join than running it.
        dispute = get_object_or_404(
            Dispute.objects.filter(self.scope(request))
            .select_related("contract", "cancellation_request")
            .prefetch_related(
                "contract__milestones",
                Prefetch("offers", queryset=User.with_names(SettlementOffer.objects, "made_by")),
                Prefetch("proposals", queryset=User.with_names(Proposal.objects, "author")),
                Prefetch("evidence", queryset=User.with_names(Attachment.objects,
                                                              "uploaded_by")),
            ),
            pk=pk,
        )
        contract = dispute.contract
        people = User.objects.only(*User.NAME_FIELDS).in_bulk(
            {contract.client_id, contract.freelancer_id, dispute.opened_by_id,
             *(i for i in (dispute.mediator_id, dispute.arbitrator_id) if i)})
        contract.client, contract.freelancer = (people[contract.client_id],
                                                people[contract.freelancer_id])
        dispute.opened_by = people[dispute.opened_by_id]
        dispute.mediator = people.get(dispute.mediator_id)
        dispute.arbitrator = people.get(dispute.arbitrator_id)
        proposals = [p for p in dispute.proposals.all() if p.kind == "proposal"]
        dispute._current_proposal = proposals[-1] if proposals else None
        return dispute

    def _case_context(self, request, dispute):
        contract = dispute.contract
        access_log, access_log_total = contract_selectors.access_log(contract)
        events = list(User.with_names(Event.objects.filter(contract=contract), "actor")
                      .order_by("seq"))
        thread = list(Message.objects.filter(contract=contract).order_by("created_at", "id")
                      .values("id", "created_at", "body", "dispute_id", "cancellation_id",
                              *User.name_values("author")))
        for message in thread:
            message["author_name"] = User.name_in(message, "author")
        proposals = list(dispute.proposals.all())
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "title": f"Dispute #{dispute.pk}: {contract.title}",
            "dispute": dispute,
            "contract": contract, "request_case": dispute.cancellation_request,
            "ending": (ending := dispute_ending(dispute)),
            "steps": dispute_steps(dispute, ending),
            "actions": available(CONSOLE_ACTIONS, dispute, request.user),
            "milestones": casefile.milestone_rows(contract.milestones.all(), events),
            "rounds": casefile.proposal_rounds(dispute, proposals, events),
            "decision": next((p for p in proposals if p.kind == "decision"), None),
            # The record's rows are append-only: each rendered once (disputes.console_rows).
            "events": console_rows.EVENTS.render(events),
            "thread": console_rows.MESSAGES.render(thread),
            "ledger": LedgerTransaction.objects.filter(contract=contract)
            .prefetch_related("entries__account").order_by("created_at", "id"),
            "record_url": reverse("contracts:record", args=[contract.pk]),
            "access_log": console_rows.READS.render(access_log),
            "access_log_total": access_log_total,
        }

    def console_action(self, request, pk: int, action: str):
        if action not in CONSOLE_ACTIONS or not self.has_view_permission(request):
            raise Http404
        dispute = self._case(request, pk)
        chosen, templates = None, []
        if action == "message":
            templates = notices_for(dispute)
            chosen = next((n for n in templates if n.key == request.GET.get("notice")), None)
        return action_view(
            request, obj=dispute, action=self._with_notice(CONSOLE_ACTIONS[action], chosen,
                                                           dispute, request.user),
            object_kwarg="dispute", template="admin/disputes/dispute/action.html",
            context={**self.admin_site.each_context(request), "opts": self.model._meta,
                     "dispute": dispute, "contract": dispute.contract,
                     "notices": templates, "notice": chosen,
                     "title": f"{CONSOLE_ACTIONS[action].label} — dispute #{dispute.pk}"},
            success_url=reverse("admin:disputes_dispute_change", args=[dispute.pk]),
        )

    @staticmethod
    def _with_notice(action, notice, dispute, user):
        """The message action with a template's text in its form, to edit before sending."""
        if notice is None:
            return action
        text = notice.text(dispute, user)
        return replace(action, form_kwargs=lambda obj, actor: {"initial": {"body": text}})


@admin.register(CancellationRequest)
class CancellationRequestAdmin(ReadOnlyAdmin):
    list_display = ["id", "contract", "initiator", "state", "reason", "created_at", "deadline_at"]
    list_filter = ["state", "initiator_role"]
    list_select_related = ["contract", "initiator"]


@admin.register(SettlementOffer)
class SettlementOfferAdmin(ReadOnlyAdmin):
    list_display = ["id", "dispute", "made_by", "outcome", "amount_to_freelancer_cents", "fault",
                    "state", "created_at"]
    list_select_related = ["dispute", "made_by"]


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ["id", "dispute", "kind", "round", "author", "outcome",
                    "amount_to_freelancer_cents", "fault", "created_at"]
    list_select_related = ["dispute", "author"]


