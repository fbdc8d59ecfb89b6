"""Prove the ledger's invariants; name each one that fails and exit non-zero."""

from django.core.management.base import BaseCommand

from contracts.ledger_checks import ledger_problems
from contracts.models.ledger import Account, LedgerTransaction


class Command(BaseCommand):
    help = ("Check that every transaction sums to zero; no account but external is below zero; "
            "balances and every entry's balance-after match the entries; the fees account "
            "holds exactly the fees charged; every external movement has its deposit or "
            "withdrawal row; each escrow equals its funded milestones; the ledger chain is intact.")

    def handle(self, *args, **options):
        problems = ledger_problems()
        for problem in problems:
            self.stderr.write(f"FAILED: {problem}")
        if problems:
            self.stderr.write(f"check_ledger: {len(problems)} problem(s)")
            raise SystemExit(1)
        self.stdout.write(
            f"check_ledger: OK ({LedgerTransaction.objects.count()} transactions, "
            f"{Account.objects.count()} accounts)"
        )
