from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "Contracts and money"

    def ready(self):
        from contracts import deadlines

        deadlines.register_all()
