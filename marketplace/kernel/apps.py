"""The kernel app: accounts, the record, notifications, the clock, FSM glue, money formatting.

Its app label stays `marketplace` (tables, migrations and `AUTH_USER_MODEL` keep their names).
Here it wires the post-migrate set-up (staff groups, append-only triggers), the clock's mail
sweeps (daily digests, abandoned tasks, stranded mail), and counts a TOTP enrolment as the
session's second factor.
"""

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class KernelConfig(AppConfig):
    name = "marketplace.kernel"
    label = "marketplace"
    verbose_name = "Marketplace"

    def ready(self):
        from allauth.account.signals import password_reset
        from allauth.mfa.signals import authenticator_added

        from . import adapter, checkpoints, mfa, signals  # noqa: F401  (checkpoints: its system check)
        from .db_loaders import use_compiled_timestamps
        from .deadlines import Sweep, register
        from .mail import digest, queue

        connection_created.connect(use_compiled_timestamps,
                                   dispatch_uid="marketplace.compiled_timestamps")
        password_reset.connect(adapter.forgive_failed_logins,
                               dispatch_uid="marketplace.forgive_failed_logins")

        # Connected without a sender: the handler waits for the last app's signal, so every
        # app's permissions and tables exist, including apps added later.
        post_migrate.connect(signals.after_migrate, dispatch_uid="marketplace.after_migrate")
        # The clock also sends daily digests and repairs the task queue.
        register(Sweep(name="mail:digest", due=digest.digests_due, handle=digest.send_digest))
        register(Sweep.in_batches("tasks:abandoned", queue.abandoned_tasks,
                                  queue.requeue_abandoned_tasks))
        register(Sweep.in_batches("mail:stranded", queue.stranded_mail,
                                  queue.requeue_stranded_mail))
        authenticator_added.connect(mfa.record_enrolment, dispatch_uid="marketplace.mfa_enrolled")
