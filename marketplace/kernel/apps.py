"""The kernel app: accounts, the record, notifications, the clock, FSM glue, money formatting.

Its app label stays `marketplace` (tables, migrations and `AUTH_USER_MODEL` keep their names).
Here it wires the post-migrate set-up (staff groups, append-only triggers) and counts a
TOTP enrolment as the session's second factor.
"""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class KernelConfig(AppConfig):
    name = "marketplace.kernel"
    label = "marketplace"
    verbose_name = "Marketplace"

    def ready(self):
        from allauth.mfa.signals import authenticator_added

        from . import mfa, signals

        # Connected without a sender: the handler waits for the last app's signal, so every
        # app's permissions and tables exist, including apps added later.
        post_migrate.connect(signals.after_migrate, dispatch_uid="marketplace.after_migrate")
        authenticator_added.connect(mfa.record_enrolment, dispatch_uid="marketplace.mfa_enrolled")
