"""App config: registers the disputes app's deadline sweeps, its export section, how the
contract pages find a contract's cases, and which contracts case workers need to know."""

from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = "Cancellations and disputes"

    def ready(self):
        from contracts import access
        from contracts.cases import register_case_finders
        from disputes import access as case_access
        from disputes import deadlines, export, selectors
        from marketplace.kernel.services import export as case_export

        deadlines.register_all()
        access.register_contract_rule(case_access.case_contracts_q)
        case_export.register_section(export.case_section)
        register_case_finders(current=selectors.current_case_with_ending,
                              for_record=export.cases_with_endings)
