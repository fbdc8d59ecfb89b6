"""Write the whole record of one contract as JSON (to stdout, or to --output)."""

import json

from django.core.management.base import BaseCommand, CommandError

from contracts.models import Contract
from marketplace.kernel.services.export import case_record


class Command(BaseCommand):
    help = "Export the complete record of a contract (events, messages, attachments) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("contract_id", type=int)
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args, **options):
        try:
            contract = Contract.objects.select_related("client", "freelancer").get(
                pk=options["contract_id"]
            )
        except Contract.DoesNotExist as exc:
            raise CommandError(f"No contract with id {options['contract_id']}.") from exc
        text = json.dumps(case_record(contract), indent=2, ensure_ascii=False, sort_keys=False)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            self.stderr.write(f"Wrote the record of contract {contract.pk} to {options['output']}")
        else:
            self.stdout.write(text)
