from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReputationConfig(AppConfig):
    name = "reputation"
    verbose_name = "Reputation"

    def ready(self):
        from marketplace.kernel import scoring
        from marketplace.kernel.hooks import reputation_changed
        from reputation import deadlines
        from reputation.ranks import install_ranks
        from reputation.services.scores import on_reputation_changed, stored_bases

        reputation_changed.connect(on_reputation_changed, dispatch_uid="reputation.refresh")
        scoring.register_basis_lookup(stored_bases)
        deadlines.register_all()
        post_migrate.connect(install_ranks, dispatch_uid="reputation.install_ranks")
