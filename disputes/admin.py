"""The mediator console (Django admin): the case queue, the read-only case view, and the
case's actions, each calling the same services as the parties' pages."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from contracts.models import Attachment, LedgerTransaction, Message
from disputes import selectors
from disputes.console import CONSOLE_ACTIONS
from disputes.models import CancellationRequest, Dispute, Proposal, SettlementOffer
from disputes.services.casework import dispute_assign_arbitrator, dispute_assign_mediator
from disputes.stepper import dispute_steps
from marketplace.kernel.actions import available
from marketplace.kernel.admin_mixins import ReadOnlyAdmin
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Event
from marketplace.kernel.money import format_money
from marketplace.kernel.views_helpers import action_view


class AssignedToMeFilter(admin.SimpleListFilter):
    title = _("assignment")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", _("Assigned to me")), ("none", _("Unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(models_q_assigned_to(request.user))
        if self.value() == "none":
            return queryset.filter(selectors.unassigned_q())
        return queryset


def models_q_assigned_to(user):
    return Q(mediator=user) | Q(arbitrator=user)


class OverdueFilter(admin.SimpleListFilter):
    title = _("SLA")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(selectors.overdue_q(timezone.now()))
        if self.value() == "no":
            return queryset.exclude(selectors.overdue_q(timezone.now()))
        return queryset


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    """The queue and the case view. Nothing is edited through a ModelForm: every change is a
    console action that calls a service."""

    list_display = ["case", "state_badge", "disputed", "mediator", "arbitrator", "age",
                    "deadline", "escrow", "overdue"]
    list_filter = ["state", AssignedToMeFilter, OverdueFilter, "kind"]
    search_fields = ["=id", "contract__title", "contract__client__username",
                     "contract__freelancer__username"]
    ordering = ["-created_at"]
    actions = ["assign_to_me"]
    list_per_page = 50

    # --- the queue ------------------------------------------------------------------------

    def get_queryset(self, request):
        return selectors.console_queue()

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "title": _("Case queue")})

    @admin.display(description=_("Case"), ordering="id")
    def case(self, obj):
        return format_html("#{} {}", obj.pk, obj.contract.title)

    @admin.display(description=_("State"), ordering="state")
    def state_badge(self, obj):
        return obj.get_state_display()

    @admin.display(description=_("Disputed"), ordering="kind")
    def disputed(self, obj):
        return _("cancellation") if obj.kind == "cancellation" else _("denial")

    @admin.display(description=_("Age"), ordering="created_at")
    def age(self, obj):
        return timesince(obj.created_at)

    @admin.display(description=_("Deadline"))
    def deadline(self, obj):
        due = obj.deadline_at or obj.sla_due_at
        if due is None:
            return "—"
        return format_html('<time datetime="{}">{}</time>', due.isoformat(),
                           timezone.localtime(due).strftime("%Y-%m-%d %H:%M"))

    @admin.display(description=_("Escrow"), ordering="escrow_total")
    def escrow(self, obj):
        return format_money(obj.escrow_total)

    @admin.display(description=_("Overdue"), boolean=True)
    def overdue(self, obj):
        return obj.is_overdue

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
            self.message_user(request, _("%(n)s case(s) assigned to you.") % {"n": done})
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
        dispute = self._case(object_id)
        return TemplateResponse(request, "admin/disputes/dispute/case.html",
                                self._case_context(request, dispute))

    def _case(self, pk) -> Dispute:
        if not str(pk).isdigit():  # the URL takes any text; an id is a number
            raise Http404
        dispute = get_object_or_404(
            Dispute.objects.select_related("contract", "contract__client", "contract__freelancer",
                                           "cancellation_request", "mediator", "arbitrator",
                                           "opened_by")
            .prefetch_related(
                "contract__milestones",
                Prefetch("offers", queryset=SettlementOffer.objects.select_related("made_by")),
                Prefetch("proposals", queryset=Proposal.objects.select_related("author")),
                Prefetch("evidence", queryset=Attachment.objects.select_related("uploaded_by")),
            ),
            pk=pk,
        )
        proposals = [p for p in dispute.proposals.all() if p.kind == "proposal"]
        dispute._current_proposal = proposals[-1] if proposals else None
        return dispute

    def _case_context(self, request, dispute):
        contract = dispute.contract
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "title": f"Dispute #{dispute.pk}: {contract.title}",
            "dispute": dispute,
            "contract": contract, "request_case": dispute.cancellation_request,
            "steps": dispute_steps(dispute),
            "actions": available(CONSOLE_ACTIONS, dispute, request.user),
            "events": Event.objects.filter(contract=contract).select_related("actor").order_by("seq"),
            "thread": Message.objects.filter(contract=contract).select_related("author")
            .prefetch_related("attachments").order_by("created_at", "id"),
            "ledger": LedgerTransaction.objects.filter(contract=contract)
            .prefetch_related("entries__account").order_by("created_at", "id"),
            "record_url": reverse("contracts:record", args=[contract.pk]),
        }

    def console_action(self, request, pk: int, action: str):
        if action not in CONSOLE_ACTIONS or not self.has_view_permission(request):
            raise Http404
        dispute = self._case(pk)
        return action_view(
            request, obj=dispute, action=CONSOLE_ACTIONS[action], object_kwarg="dispute",
            template="admin/disputes/dispute/action.html",
            context={**self.admin_site.each_context(request), "opts": self.model._meta,
                     "dispute": dispute, "contract": dispute.contract,
                     "title": f"{CONSOLE_ACTIONS[action].label} — dispute #{dispute.pk}"},
            success_url=reverse("admin:disputes_dispute_change", args=[dispute.pk]),
        )


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


