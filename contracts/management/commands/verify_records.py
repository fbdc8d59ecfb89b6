"""Prove every contract's hash chain; name the first broken link of each broken chain."""

from django.core.management.base import BaseCommand

from contracts.models import Contract
from marketplace.kernel.models import Event
from marketplace.kernel.services.record import verify_chain


class Command(BaseCommand):
    help = "Verify the tamper-evident record of every contract (or of the given ids)."

    def add_arguments(self, parser):
        parser.add_argument("contract_ids", nargs="*", type=int)

    def handle(self, *args, **options):
        contracts = Contract.objects.order_by("pk").only("pk", "record_head_seq", "record_head_hash")
        if options["contract_ids"]:
            contracts = contracts.filter(pk__in=options["contract_ids"])
        checked, broken = 0, []
        for contract in contracts.iterator(chunk_size=500):
            events = Event.objects.filter(contract_id=contract.pk).order_by("seq").iterator()
            link = verify_chain(contract, events)
            checked += 1
            if link is not None:
                broken.append(link)
                self.stderr.write(f"BROKEN: {link}")
        orphan_check = Event.objects.exclude(contract__in=Contract.objects.all()).exists()
        if orphan_check:
            broken.append("events exist for a missing contract")
            self.stderr.write("BROKEN: events exist for a missing contract")
        if broken:
            self.stderr.write(f"verify_records: {len(broken)} broken of {checked} contracts")
            raise SystemExit(1)
        self.stdout.write(f"verify_records: all {checked} contract records intact")
