from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = "Cancellations and disputes"

    def ready(self):
        from disputes import deadlines

        deadlines.register_all()
