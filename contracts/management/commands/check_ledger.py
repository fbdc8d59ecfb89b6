"""Prove the ledger's invariants; name each one that fails and exit non-zero. With
--checkpoint, also prove that the ledger still holds what a signed checkpoint fixed."""

from django.core.management.base import BaseCommand

from contracts.checkpoints import checkpoint_option, ledger_divergence
from contracts.ledger_checks import ledger_problems
from contracts.models.ledger import Account, LedgerTransaction


class Command(BaseCommand):
    help = ("Check that every transaction sums to zero; no account but external is below zero; "
            "balances and every entry's balance-after match the entries; the fees account "
            "holds exactly the fees charged; every external movement has its deposit or "
            "withdrawal row; each escrow equals its funded milestones; the ledger chain is "
            "intact; with --checkpoint FILE, that nothing the signed checkpoint fixed changed.")

    def add_arguments(self, parser):
        parser.add_argument("--checkpoint", metavar="FILE",
                            help="a checkpoint file written by record_checkpoint")

    def handle(self, *args, **options):
        checkpoint = checkpoint_option(self, options["checkpoint"])
        problems = ledger_problems()
        for problem in problems:
            self.stderr.write(f"FAILED: {problem}")
        divergence = ledger_divergence(checkpoint) if checkpoint else None
        if divergence:
            problems.append(divergence)
            self.stderr.write(f"DIVERGED: {divergence}")
        if problems:
            self.stderr.write(f"check_ledger: {len(problems)} problem(s)")
            raise SystemExit(1)
        against = f"; matches {checkpoint.describe()}" if checkpoint else ""
        self.stdout.write(
            f"check_ledger: OK ({LedgerTransaction.objects.count()} transactions, "
            f"{Account.objects.count()} accounts){against}"
        )
