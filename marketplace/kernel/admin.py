"""Admin for accounts and the record (the record is read-only)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from marketplace.kernel.admin_mixins import ReadOnlyAdmin
from marketplace.kernel.models import Event, User


@admin.register(User)
class MarketplaceUserAdmin(UserAdmin):
    list_display = ["username", "email", "role", "is_staff", "date_joined"]
    list_filter = ["role", "is_staff", "groups"]
    fieldsets = (*UserAdmin.fieldsets, ("Marketplace", {"fields": ["role", "timezone", "headline", "skills", "bio", "closed_at"]}))

    def has_delete_permission(self, request, obj=None):
        # Accounts are closed (pseudonymised), never deleted: the record refers to them.
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["contract", "seq", "created_at", "actor", "kind", "from_state", "to_state"]
    list_filter = ["kind"]
    search_fields = ["text", "=contract__id"]
    list_select_related = ["contract", "actor"]
