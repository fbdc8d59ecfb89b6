"""Admin building blocks: read-only model admins for the record, messages and the ledger, with
money shown in dollars."""

from django.contrib import admin

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

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
