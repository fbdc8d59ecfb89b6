"""Admin building blocks: read-only model admins for the record, messages and the ledger, and
the need-to-know scoping of the admins case workers use."""

from django.contrib import admin
from django.db.models import Q
from django.http import Http404


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


class NeedToKnowMixin:
    """An admin built for case work: its rows are those `scope(request)` grants the user (a
    Q over the model), in the list and for every object view. An object outside the scope
    does not exist for them (404), whatever its id. Every other admin is for superusers only
    (`marketplace.kernel.console_site`)."""

    for_case_workers = True
    # The "view on site" shortcut is for superusers; case workers follow the page's links.
    view_on_site = False

    def scope(self, request) -> Q:
        raise NotImplementedError

    def get_queryset(self, request):
        return super().get_queryset(request).filter(self.scope(request))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or self.in_scope(request, obj)

    def in_scope(self, request, obj) -> bool:
        """The object permission: whether `obj` is one of the user's rows (asked once per
        object and request; the admin asks several times per page)."""
        seen = request.__dict__.setdefault("_need_to_know", {})
        key = (type(obj), obj.pk)
        if key not in seen:
            seen[key] = self.get_queryset(request).filter(pk=obj.pk).exists()
        return seen[key]


class NeedToKnowAdmin(NeedToKnowMixin, ReadOnlyAdmin):
    """Read-only, and scoped to what the case worker needs to know."""
