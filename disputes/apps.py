"""App config: registers the disputes app's deadline sweeps, its export section, and how
the contract pages find a contract's cases."""

from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = "Cancellations and disputes"

    def ready(self):
        from contracts.cases import register_case_finders
        from disputes import deadlines, export, selectors
        from marketplace.kernel.services import export as case_export

        deadlines.register_all()
        case_export.register_section(export.case_section)
        register_case_finders(current=selectors.current_case_with_ending,
                              for_record=export.cases_with_endings)
