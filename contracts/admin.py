"""Read-only views of contracts and their threads for case workers (changes go through services)."""

from django.contrib import admin

from contracts.models import Attachment, Contract, Message, Milestone
from marketplace.admin_mixins import ReadOnlyAdmin


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
