"""Admin for accounts, the record (read-only) and the mail queue with its dead letters."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.kernel.admin_mixins import ReadOnlyAdmin
from marketplace.kernel.mail.delivery import retry_failed
from marketplace.kernel.mail.queue import queue_status
from marketplace.kernel.models import DeadLetter, DeliveryState, Event, MailDelivery, User


@admin.register(User)
class MarketplaceUserAdmin(UserAdmin):
    list_display = ["username", "email", "role", "is_staff", "date_joined"]
    list_filter = ["role", "is_staff", "groups"]
    fieldsets = (*UserAdmin.fieldsets, ("Marketplace", {"fields": ["role", "timezone", "email_frequency", "headline", "skills", "bio", "closed_at"]}))

    def has_delete_permission(self, request, obj=None):
        # Accounts are closed (pseudonymised), never deleted: the record refers to them.
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["contract", "seq", "created_at", "actor", "kind", "from_state", "to_state"]
    list_filter = ["kind"]
    search_fields = ["text", "=contract__id"]
    list_select_related = ["contract", "actor"]


class MailQueueAdmin(ReadOnlyAdmin):
    """Mail rows are written and moved by the services and the worker, never edited here."""

    list_select_related = ["recipient"]
    search_fields = ["summary", "key", "recipient__username", "recipient__email"]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "queue": queue_status()}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("error"))
    def error(self, obj):
        return obj.last_error[:120]


@admin.register(MailDelivery)
class MailDeliveryAdmin(MailQueueAdmin):
    list_display = ["summary", "recipient", "state", "attempts", "due_at", "sent_at", "error"]
    list_filter = ["state"]
    change_list_template = "admin/marketplace/mail_queue.html"


@admin.register(DeadLetter)
class DeadLetterAdmin(MailQueueAdmin):
    """Mail that failed every retry, with the last error; retried from here or with
    `manage.py retry_mail`."""

    list_display = ["summary", "recipient", "attempts", "failed_at", "error"]
    actions = ["retry"]
    change_list_template = "admin/marketplace/mail_queue.html"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(state=DeliveryState.FAILED)

    def get_actions(self, request):
        return admin.ModelAdmin.get_actions(self, request)

    def has_retry_permission(self, request):
        return request.user.has_perm("marketplace.change_deadletter")

    @admin.action(description=_("Send the selected mails again"), permissions=["retry"])
    def retry(self, request, queryset):
        count = retry_failed(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, ngettext("%(count)s mail queued again.",
                                            "%(count)s mails queued again.", count)
                          % {"count": count}, messages.SUCCESS)
