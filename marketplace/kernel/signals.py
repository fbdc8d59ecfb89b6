"""After every migrate: staff groups with their permissions, the append-only triggers, and
the app role's privileges on every table (PostgreSQL, when the app has a role of its own)."""

from django.apps import apps
from django.contrib.auth.models import Group, Permission

from .db_roles import apply_grants
from .db_triggers import install_triggers

# Case workers read everything about a case; they change only what their work needs.
# Permissions of apps added later join automatically through the `view` app list.
STAFF_GROUPS = {
    "Mediators": {
        "view_apps": ["contracts", "disputes"],
        "view_models": ["marketplace.event"],
        "extra": ["disputes.change_dispute", "disputes.mediate_dispute"],
    },
    "Arbitrators": {
        "view_apps": ["contracts", "disputes"],
        "view_models": ["marketplace.event"],
        "extra": ["disputes.change_dispute", "disputes.arbitrate_dispute"],
    },
}


def _permissions_for(spec: dict) -> list[Permission]:
    wanted = Permission.objects.none()
    for app_label in spec["view_apps"]:
        wanted |= Permission.objects.filter(
            content_type__app_label=app_label, codename__startswith="view_"
        )
    for dotted in spec["view_models"]:
        app_label, model = dotted.split(".")
        wanted |= Permission.objects.filter(
            content_type__app_label=app_label, content_type__model=model, codename="view_" + model
        )
    for dotted in spec["extra"]:
        app_label, codename = dotted.split(".")
        wanted |= Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return list(wanted.distinct())


def grant_staff_permissions() -> None:
    for name, spec in STAFF_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions_for(spec))


def after_migrate(sender, using="default", plan=None, **kwargs):
    # post_migrate is sent once per app that has models; act on the last of those, when every
    # table and permission exists.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is not with_models[-1]:
        return
    grant_staff_permissions()
    # A flush (tests) empties tables but keeps triggers; only a migrate can drop them.
    if plan is not None:
        install_triggers(using)
        apply_grants(using)
