"""Checkpoints of this platform's chains: every contract's record head and the ledger head,
signed (`marketplace.kernel.checkpoints`), and the comparisons that prove nothing before a
checkpoint changed, even where a whole chain was recomputed to pass the plain checks.

A comparison reads the stored link at each checkpointed number: the plain verifiers prove each
chain consistent up to its head, so a chain that is consistent and still holds the
checkpointed hash at the checkpointed number holds exactly the checkpointed history.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from contracts.ledger_checks import ledger_head
from contracts.models import Contract, LedgerTransaction
from marketplace.kernel import checkpoints
from marketplace.kernel.checkpoints import Checkpoint, CheckpointError
from marketplace.kernel.models import Event

BATCH = 500


def contract_heads() -> list[tuple[int, int, str]]:
    """(contract id, head seq, head hash) of every contract with a record, from the head each
    contract row holds (moved in the same transaction as its event)."""
    return list(Contract.objects.filter(record_head_seq__gt=0).order_by("pk")
                .values_list("pk", "record_head_seq", "record_head_hash").iterator(chunk_size=5000))


def record_checkpoint(*, now=None) -> tuple[Checkpoint, str]:
    """Sign the current heads as the next checkpoint and store it; returns it and its path."""
    # Only the process that signs has the key in its environment (not the web app).
    private_key = checkpoints.load_private_key(settings.CHECKPOINT_SIGNING_KEY)
    previous = checkpoints.latest()
    checkpoint = checkpoints.make_checkpoint(
        number=checkpoints.next_number(), heads=contract_heads(), ledger_head=ledger_head(),
        previous=previous.digest if previous else "", private_key=private_key, now=now)
    return checkpoint, str(checkpoints.store(checkpoint))


def load_trusted(path) -> Checkpoint:
    """Read a checkpoint file and prove it genuine; CheckpointError says why it is refused."""
    checkpoint = checkpoints.read(path)
    try:
        checkpoints.check_signature(checkpoint)
    except CheckpointError as exc:
        raise CheckpointError(f"{path} refused: {exc}") from exc
    return checkpoint


def checkpoint_option(command, path) -> Checkpoint | None:
    """The checkpoint a verifying command was given with --checkpoint (None without one); a
    refused one is reported on the command's stderr and ends it with status 1."""
    if not path:
        return None
    try:
        return load_trusted(path)
    except CheckpointError as exc:
        command.stderr.write(f"REFUSED: {exc}")
        raise SystemExit(1) from exc


@dataclass
class Divergence:
    subject: str  # "contract 12" or "ledger"
    seq: int  # the checkpointed sequence number
    problem: str

    def __str__(self) -> str:
        return f"{self.subject}, checkpointed #{self.seq}: {self.problem}"


def _stored_event_hashes(heads) -> dict[tuple[int, int], str]:
    found = {}
    for start in range(0, len(heads), BATCH):
        batch = heads[start:start + BATCH]
        match = Q()
        for contract_id, seq, _hash in batch:
            match |= Q(contract_id=contract_id, seq=seq)
        found.update({(c, s): h for c, s, h in
                      Event.objects.filter(match).values_list("contract_id", "seq", "hash")})
    return found


def record_divergences(checkpoint: Checkpoint, contract_ids=None) -> list[Divergence]:
    """Each checkpointed contract whose record no longer holds the checkpointed link."""
    heads = [h for h in checkpoint.heads if contract_ids is None or h[0] in contract_ids]
    stored = _stored_event_hashes(heads)
    missing_heads = {h[0] for h in heads if (h[0], h[1]) not in stored}
    lengths = dict(Contract.objects.filter(pk__in=missing_heads)
                   .values_list("pk", "record_head_seq")) if missing_heads else {}
    found = []
    for contract_id, seq, expected in heads:
        subject = f"contract {contract_id}"
        actual = stored.get((contract_id, seq))
        if actual == expected:
            continue
        if actual is not None:
            problem = (f"the record holds {actual[:16]}… where the {checkpoint.describe()} "
                       f"signed {expected[:16]}…: this event or one before it changed")
        elif contract_id not in lengths:
            problem = f"the contract is missing, {checkpoint.describe()} signed its record"
        else:
            problem = (f"the record ends at #{lengths[contract_id]}, before what the "
                       f"{checkpoint.describe()} signed (events removed)")
        found.append(Divergence(subject, seq, problem))
    return found


def ledger_divergence(checkpoint: Checkpoint) -> Divergence | None:
    """The ledger, if it no longer holds the checkpointed link."""
    seq, expected = checkpoint.ledger_head
    if seq == 0:
        return None
    actual = LedgerTransaction.objects.filter(seq=seq).values_list("hash", flat=True).first()
    if actual == expected:
        return None
    if actual is None:
        last = ledger_head()[0]
        return Divergence("ledger", seq, f"the ledger ends at #{last}, before what the "
                                         f"{checkpoint.describe()} signed (transactions removed)")
    return Divergence("ledger", seq, f"the ledger holds {actual[:16]}… where the "
                                     f"{checkpoint.describe()} signed {expected[:16]}…: this "
                                     "transaction or one before it changed")


def final_record_text(contract: Contract) -> str:
    """What a party keeps when a contract ends: its final head digest and the latest signed
    checkpoint, a copy beyond the reach of anyone who can change our database."""
    envelope = checkpoints.latest_envelope()
    lines = [
        f"Contract #{contract.pk}, “{contract.title}”, ended ({contract.get_state_display()}).",
        f"Its record ends at event #{contract.record_head_seq} with the SHA-256 link",
        f"  {contract.record_head_hash}",
        "Keep this mail: with it anyone can check, at any time, that the record we show",
        "(the printable record, or manage.py export_case) is the one that was signed off.",
        "",
    ]
    if envelope:
        lines += ["The latest signed checkpoint of every record and of the ledger (Ed25519; the",
                  "public keys are on the policy page):", envelope]
    else:
        lines += ["No signed checkpoint could be included; this digest is your anchor."]
    return "\n".join(lines)
