"""Read-only views of contracts and their threads (changes go through services).

Contracts, messages and attachments are open to case workers, scoped to what they need to
know (`contracts.access`); wallets, the ledger and settlements are for superusers only."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from contracts import access
from contracts.models import (
    AccessKind,
    AccessLogEntry,
    Account,
    Attachment,
    Contract,
    Entry,
    LedgerTransaction,
    Message,
    Milestone,
    Settlement,
)
from contracts.services.access_log import log_staff_list_read, log_staff_read
from marketplace.kernel.admin_mixins import NeedToKnowAdmin, ReadOnlyAdmin
from marketplace.kernel.money import format_money


class MilestoneInline(admin.TabularInline):
    model = Milestone
    fields = ["position", "title", "amount_cents", "due_date", "state"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


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


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ["account", "amount", "balance_after"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="amount")
    def amount(self, entry):
        return format_money(entry.amount_cents)

    @admin.display(description="balance after")
    def balance_after(self, entry):
        return format_money(entry.balance_after_cents)


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "created_at", "contract", "memo"]
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
