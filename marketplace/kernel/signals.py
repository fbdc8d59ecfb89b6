"""After every migrate: staff groups with their permissions, the append-only triggers, and
the app role's privileges on every table (PostgreSQL, when the app has a role of its own)."""

from django.apps import apps
from django.contrib.auth.models import Group, Permission

from .db_roles import apply_grants
from .db_triggers import install_triggers

# Case workers read what their cases need: the case, its contract, thread, files and
# milestones (the admins of these scope their rows to the user's cases, see
# `disputes.access`); every other admin is for superusers only. They change only what their
# work needs, and only through the console's actions.
CASE_READS = ["disputes.view_dispute", "contracts.view_contract", "contracts.view_milestone",
              "contracts.view_message", "contracts.view_attachment"]
STAFF_GROUPS = {
    # Mediators also decide on reported messages (policy §5.6).
    "Mediators": [*CASE_READS, "disputes.change_dispute", "disputes.mediate_dispute",
                  "contracts.view_messagereport", "contracts.handle_report"],
    "Arbitrators": [*CASE_READS, "disputes.change_dispute", "disputes.arbitrate_dispute"],
    # Leads reassign cases held by others, with a reason (spec section 2). A lead who also
    # works cases is in the Mediators (or Arbitrators) group too.
    "Lead mediators": [*CASE_READS, "disputes.change_dispute", "disputes.reassign_mediator"],
    "Lead arbitrators": [*CASE_READS, "disputes.change_dispute",
                         "disputes.reassign_arbitrator"],
}


def _permissions_for(names: list[str]) -> list[Permission]:
    wanted = Permission.objects.none()
    for dotted in names:
        app_label, codename = dotted.split(".")
        wanted |= Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    # A permission that does not exist yet (a migration still to run) joins on the next
    # migrate, which runs this again.
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
