"""Sign a checkpoint of every contract's record head and the ledger head (hourly, from cron)."""

from django.core.management.base import BaseCommand, CommandError

from contracts.checkpoints import record_checkpoint
from marketplace.kernel.checkpoints import CheckpointError


class Command(BaseCommand):
    help = ("Sign, with the Ed25519 key in CHECKPOINT_SIGNING_KEY, the head of every contract's "
            "record and of the ledger, and store it as the next file in CHECKPOINT_DIR (never "
            "replacing one). verify_records/check_ledger --checkpoint FILE then prove that "
            "nothing before it changed.")

    def handle(self, *args, **options):
        try:
            checkpoint, path = record_checkpoint()
        except CheckpointError as exc:
            raise CommandError(str(exc)) from exc
        seq, _hash = checkpoint.ledger_head
        self.stdout.write(f"record_checkpoint: {checkpoint.describe()} of "
                          f"{len(checkpoint.heads)} contract records and the ledger at "
                          f"#{seq}, written to {path}")
