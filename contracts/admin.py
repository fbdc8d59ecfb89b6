"""Read-only views of contracts and their threads (changes go through services), and the
queue of reported messages (decisions go through services too).

Contracts, messages and attachments are open to case workers, scoped to what they need to
know (`contracts.access`); reported messages to mediators; wallets, the ledger and
settlements are for superusers only."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Q, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from contracts import access, selectors
from contracts.actions import REPORT_ACTIONS
from contracts.models import (
    AccessKind,
    AccessLogEntry,
    Account,
    Attachment,
    Contract,
    Entry,
    LedgerTransaction,
    Message,
    MessageReport,
    Milestone,
    ReportState,
    Settlement,
)
from contracts.services.access_log import log_staff_list_read, log_staff_read
from marketplace.kernel.actions import available
from marketplace.kernel.admin_mixins import (
    NeedToKnowAdmin,
    NeedToKnowMixin,
    ReadOnlyAdmin,
    ReadOnlyInline,
)
from marketplace.kernel.views_helpers import action_view


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    fields = ["position", "title", "amount_cents", "due_date", "state"]
    readonly_fields = fields


@admin.register(Contract)
class ContractAdmin(NeedToKnowAdmin):
    list_display = ["id", "title", "client", "freelancer", "state", "created_at"]
    list_filter = ["state"]
    search_fields = ["title", "client__username", "freelancer__username"]
    list_select_related = ["client", "freelancer"]
    inlines = [MilestoneInline]

    def scope(self, request):
        return access.staff_contracts_q(request.user)

    def log_read(self, request, contract) -> None:
        log_staff_read(reader=request.user, contract=contract, what=AccessKind.CONTRACT,
                       object_id=contract.pk)


@admin.register(Message)
class MessageAdmin(NeedToKnowAdmin):
    list_display = ["contract", "author", "created_at"]
    list_filter = [("contract", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["contract", "author"]

    def scope(self, request):
        return access.staff_messages_q(request.user)

    def log_read(self, request, message) -> None:
        log_staff_read(reader=request.user, contract=message.contract, what=AccessKind.MESSAGE,
                       object_id=message.pk)

    def log_list_read(self, request, messages) -> None:
        log_staff_list_read(reader=request.user, contracts=[m.contract for m in messages],
                            what=AccessKind.MESSAGES)


@admin.register(Attachment)
class AttachmentAdmin(NeedToKnowAdmin):
    list_display = ["original_name", "contract", "content_type", "size", "sha256", "uploaded_at"]
    fields = ["original_name", "download", "contract", "message", "dispute", "uploaded_by",
              "content_type", "size", "sha256", "uploaded_at"]
    readonly_fields = fields
    list_select_related = ["contract"]

    def scope(self, request):
        return access.staff_attachments_q(request.user)

    def log_read(self, request, attachment) -> None:
        log_staff_read(reader=request.user, contract=attachment.contract,
                       what=AccessKind.ATTACHMENT, object_id=attachment.pk)

    def log_list_read(self, request, attachments) -> None:
        log_staff_list_read(reader=request.user, contracts=[a.contract for a in attachments],
                            what=AccessKind.ATTACHMENTS)

    @admin.display(description="file")
    def download(self, attachment):
        # Through the permission-checked download view, never the storage's own address.
        return format_html('<a href="{}">{}</a>', reverse("contracts:attachment",
                                                           args=[attachment.pk]),
                           attachment.original_name)


class EntryInline(ReadOnlyInline):
    model = Entry
    fields = ["account", "amount_cents", "balance_after_cents"]
    readonly_fields = fields


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["seq", "kind", "created_at", "contract", "memo"]
    list_filter = ["kind"]
    search_fields = ["=contract__id", "memo"]
    list_select_related = ["contract"]
    inlines = [EntryInline]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "user", "contract", "balance_cents"]
    list_filter = ["kind"]
    list_select_related = ["user", "contract"]


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ["contract", "escrow_cents", "to_freelancer_cents", "to_client_cents",
                    "fee_cents", "fault", "how", "created_at"]
    list_select_related = ["contract"]


@admin.register(AccessLogEntry)
class AccessLogAdmin(ReadOnlyAdmin):
    """Every staff read, for superusers (case workers see their cases' log on the case view)."""

    list_display = ["at", "reader", "what", "contract", "object_id"]
    list_filter = ["what"]
    search_fields = ["=contract__id", "reader__username"]
    list_select_related = ["reader", "contract"]


@admin.register(MessageReport)
class MessageReportAdmin(NeedToKnowMixin, admin.ModelAdmin):
    """Reported messages (policy §5.6): open reports first. A mediator reads the message with
    the few messages around it and warns, hides or dismisses, each through its service.
    Built for case work: open to those who handle reports (mediators), to nobody else."""

    list_display = ["report", "state", "reporter", "sender", "created_at"]
    list_filter = ["state"]
    list_select_related = ["reporter", "message__author", "message__contract"]
    list_per_page = 50

    def scope(self, request) -> Q:
        return Q() if request.user.has_perm("contracts.handle_report") else Q(pk__in=[])

    def get_queryset(self, request):
        open_first = Case(When(state=ReportState.OPEN, then=0), default=1)
        return (super().get_queryset(request).select_related(*self.list_select_related)
                .order_by(open_first, "-created_at", "-id"))

    @admin.display(description=_("Report"))
    def report(self, obj):
        return format_html("#{} {}", obj.pk, obj.message.contract.title)

    @admin.display(description=_("Sender"))
    def sender(self, obj):
        return obj.message.author.display_name

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # decisions go through the actions below, never through a form

    def get_urls(self):
        custom = [path("<int:pk>/act/<slug:action>/", self.admin_site.admin_view(self.act),
                       name="contracts_messagereport_act")]
        return custom + super().get_urls()

    def _report(self, request, pk) -> MessageReport:
        if not str(pk).isdigit():  # the URL takes any text; an id is a number
            raise Http404
        return get_object_or_404(self.get_queryset(request).select_related(
            "reporter", "handled_by", "message__author", "message__contract__client",
            "message__contract__freelancer"), pk=pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "GET" or not self.has_view_permission(request):
            raise PermissionDenied
        report = self._report(request, object_id)
        return TemplateResponse(request, "admin/contracts/messagereport/report.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "title": _("Reported message #%(id)s") % {"id": report.pk}, "report": report,
            "context_messages": selectors.message_in_context(report),
            "actions": available(REPORT_ACTIONS, report, request.user),
        })

    def act(self, request, pk: int, action: str):
        if action not in REPORT_ACTIONS or not self.has_view_permission(request):
            raise Http404
        report = self._report(request, pk)
        url = reverse("admin:contracts_messagereport_change", args=[report.pk])
        return action_view(
            request, obj=report, action=REPORT_ACTIONS[action], object_kwarg="report",
            template="admin/contracts/messagereport/action.html",
            context={**self.admin_site.each_context(request), "opts": self.model._meta,
                     "report": report, "title": REPORT_ACTIONS[action].label},
            success_url=url)
