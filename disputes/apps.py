from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = "Cancellations and disputes"

    def ready(self):
        from disputes import deadlines, export
        from marketplace.services import export as case_export

        deadlines.register_all()
        if export.case_section not in case_export.SECTIONS:
            case_export.SECTIONS.append(export.case_section)
