"""Admin building blocks: read-only model admins for the record, messages and the ledger."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never changed from the admin: append-only data and state-machine rows alike
    (state changes go through the services, not through a ModelForm)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
