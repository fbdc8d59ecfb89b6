"""App config: registers the contracts app with the kernel (the contract lock, the record's
heads, account closure checks, the export section) and its deadline sweeps."""

from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "Contracts and money"

    def ready(self):
        from contracts import access, closure, deadlines, export, record_heads
        from contracts.services.common import lock_contract
        from marketplace.kernel import locks
        from marketplace.kernel.services import accounts, record
        from marketplace.kernel.services import export as case_export

        locks.register_contract_lock(lock_contract)
        record.register_heads(lock=record_heads.lock_head, move=record_heads.move_heads)
        accounts.register_closure_check(closure.closure_refusal)
        case_export.register_section(export.contract_section)
        access.register_message_rule(access.reported_messages_rule)
        deadlines.register_all()
