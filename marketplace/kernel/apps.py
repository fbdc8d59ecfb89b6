"""The kernel app: accounts, the record, notifications, the clock, FSM glue, money formatting.

Its app label stays `marketplace` (tables, migrations and `AUTH_USER_MODEL` keep their names).
Here it wires the post-migrate set-up (staff groups, append-only triggers).
"""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class KernelConfig(AppConfig):
    name = "marketplace.kernel"
    label = "marketplace"
    verbose_name = "Marketplace"

    def ready(self):
        from allauth.account.signals import password_reset

        from . import adapter, checkpoints, signals  # noqa: F401  (checkpoints: its system check)

        password_reset.connect(adapter.forgive_failed_logins,
                               dispatch_uid="marketplace.forgive_failed_logins")

        # Connected without a sender: the handler waits for the last app's signal, so every
        # app's permissions and tables exist, including apps added later.
        post_migrate.connect(signals.after_migrate, dispatch_uid="marketplace.after_migrate")
