"""Read-only views of contracts and their threads for case workers (changes go through services)."""

from django.contrib import admin

from contracts.models import (
    Account,
    Attachment,
    Contract,
    Entry,
    LedgerTransaction,
    Message,
    Milestone,
    Settlement,
)
from marketplace.kernel.admin_mixins import ReadOnlyAdmin
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
class ContractAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "client", "freelancer", "state", "created_at"]
    list_filter = ["state"]
    search_fields = ["title", "client__username", "freelancer__username"]
    list_select_related = ["client", "freelancer"]
    inlines = [MilestoneInline]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["contract", "author", "created_at"]
    list_select_related = ["contract", "author"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "contract", "content_type", "size", "sha256", "uploaded_at"]
    list_select_related = ["contract"]


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
