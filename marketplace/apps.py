"""App config: wires the post-migrate set-up (staff groups, append-only triggers)."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = "Marketplace"

    def ready(self):
        from . import signals

        # Connected without a sender: the handler waits for the last app's signal, so every
        # app's permissions and tables exist, including apps added later.
        post_migrate.connect(signals.after_migrate, dispatch_uid="marketplace.after_migrate")
