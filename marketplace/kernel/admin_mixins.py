"""Admin building blocks: read-only model admins for the record, messages and the ledger (money
shown in dollars), and the need-to-know scoping of the admins case workers use."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Q
from django.http import Http404

from marketplace.kernel.money import format_money

MONEY_SUFFIX = "_cents"


def _money_display(name: str, label: str):
    @admin.display(description=label, ordering=name)
    def show(obj):
        return format_money(getattr(obj, name))

    return show


class MoneyInDollars:
    """Money fields (`*_cents`) are shown as “$320.00”, never as “32000” cents: each such
    field is replaced, wherever the admin lists or shows it, by a display in dollars."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._money = {}
        for field in self.model._meta.concrete_fields:
            if field.name.endswith(MONEY_SUFFIX):
                shown = f"{field.name[:-len(MONEY_SUFFIX)]}_in_dollars"
                label = str(field.verbose_name).replace(" cents", "").replace("(cents)", "")
                setattr(self, shown, _money_display(field.name, label.strip()))
                self._money[field.name] = shown
        if self._money:
            if hasattr(self, "list_display"):
                self.list_display = self._swap(self.list_display)
            if self.fields:
                self.fields = self._swap(self.fields)
            self.readonly_fields = self._swap(self.readonly_fields)

    def _swap(self, names):
        return type(names)(self._money.get(name, name) for name in names) \
            if isinstance(names, list | tuple) else names

    def get_fields(self, request, obj=None):
        return self._swap(list(super().get_fields(request, obj)))

    def get_readonly_fields(self, request, obj=None):
        return self._swap(list(super().get_readonly_fields(request, obj)))


class ReadOnlyAdmin(MoneyInDollars, admin.ModelAdmin):
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


class ReadOnlyInline(MoneyInDollars, admin.TabularInline):
    """A read-only list of related rows on a read-only page."""

    template = "admin/edit_inline/tabular_read_only.html"  # no empty column header
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
        found = request.__dict__.setdefault("_need_to_know_objects", {})
        key = (type(self).__name__, object_id, from_field)
        if key not in found:
            found[key] = super().get_object(request, object_id, from_field)
        if found[key] is None:
            raise Http404
        return found[key]

    # --- every read is logged (who, what, when): the app's admin writes the entries --------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            self.log_read(request, self.get_object(request, unquote(object_id)))
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if request.method == "GET" and response.status_code == 200 and changelist is not None:
            self.log_list_read(request, list(changelist.result_list))
        return response

    def log_read(self, request, obj) -> None:
        """Write the access log's entry for opening `obj` (none by default)."""

    def log_list_read(self, request, rows: list) -> None:
        """Write the access log's entries for a list that showed `rows` (none by default)."""

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
