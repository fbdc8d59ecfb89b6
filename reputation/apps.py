from django.apps import AppConfig


class ReputationConfig(AppConfig):
    name = "reputation"
    verbose_name = "Reputation"

    def ready(self):
        from marketplace.kernel.hooks import reputation_changed
        from reputation import deadlines
        from reputation.services.scores import on_reputation_changed

        reputation_changed.connect(on_reputation_changed, dispatch_uid="reputation.refresh")
        deadlines.register_all()
