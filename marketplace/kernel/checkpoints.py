"""Signed checkpoints: the heads of every chain, signed with an Ed25519 key and kept outside
the application's database, so history that was checkpointed cannot be rewritten unseen.

The hash chains are public (anyone holding an export can recompute them) and therefore prove
nothing against someone who can write the database and recompute a whole chain. A checkpoint
fixes each chain's head at a moment with a signature that key alone can make; the key lives
only where `record_checkpoint` runs, never in the database and not in the web app, which
publishes the public keys (`/policy/`). Keys rotate: each public key may carry a retirement
time, and a checkpoint its key signed at or after that time is refused.

A checkpoint is one file of JSON lines: the signed statement first (small: it is what the
parties receive by mail), then one line per contract head, whose digest the statement holds.
Files are numbered, written once and never replaced.
"""

import base64
import binascii
import hashlib
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.utils.dateparse import parse_datetime

FORMAT = "marketplace-checkpoint/1"
logger = logging.getLogger(__name__)
FILE_PATTERN = re.compile(r"^checkpoint-(\d{8})\.jsonl$")


class CheckpointError(Exception):
    """A checkpoint that cannot be made, read or trusted; the message says why."""


# --- keys -----------------------------------------------------------------------------------


def key_id(raw_public_key: bytes) -> str:
    """A key's short public name: the first 16 hex digits of the SHA-256 of its raw bytes."""
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


@dataclass(frozen=True)
class PublicKey:
    raw: bytes
    retired_at: datetime | None = None

    @property
    def kid(self) -> str:
        return key_id(self.raw)

    @property
    def base64(self) -> str:
        return base64.b64encode(self.raw).decode()

    def retired_by(self, moment: datetime) -> bool:
        return self.retired_at is not None and moment >= self.retired_at


def load_private_key(value: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM (PKCS8) or from one line of base64 of its 32 raw bytes."""
    value = (value or "").strip()
    if not value:
        raise CheckpointError("No signing key: set CHECKPOINT_SIGNING_KEY where record_checkpoint "
                              "runs (README, Configuration).")
    try:
        if value.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(value.encode(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError("not an Ed25519 key")
            return key
        raw = base64.b64decode(value, validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise CheckpointError(f"CHECKPOINT_SIGNING_KEY is not an Ed25519 private key ({exc}).") from exc


def parse_public_key(entry: str) -> PublicKey:
    """`BASE64` or `BASE64@RETIRED_AT` (an ISO 8601 time with its offset)."""
    key_text, _, retired_text = entry.strip().partition("@")
    try:
        raw = base64.b64decode(key_text, validate=True)
        Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, binascii.Error) as exc:
        raise CheckpointError(f"{entry!r} in CHECKPOINT_PUBLIC_KEYS is not an Ed25519 public "
                              f"key ({exc}).") from exc
    retired_at = None
    if retired_text:
        retired_at = parse_datetime(retired_text.strip())
        if retired_at is None or retired_at.tzinfo is None:
            raise CheckpointError(f"{entry!r}: the retirement time must be ISO 8601 with an "
                                  "offset, e.g. 2026-12-01T00:00:00Z.")
    return PublicKey(raw=raw, retired_at=retired_at)


def published_keys() -> list[PublicKey]:
    return [parse_public_key(entry) for entry in settings.CHECKPOINT_PUBLIC_KEYS if entry.strip()]


@register(Tags.security)
def check_public_keys(app_configs, **kwargs) -> list[CheckMessage]:
    """At start-up (`manage.py check`, runserver, migrate): the published keys must parse."""
    try:
        published_keys()
    except CheckpointError as exc:
        return [Error(str(exc), id="marketplace.E001",
                      hint="CHECKPOINT_PUBLIC_KEYS: base64 public keys, optionally @retirement.")]
    return []


def public_key_of(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes_raw()


# --- the checkpoint -------------------------------------------------------------------------


def canonical(data) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def heads_digest(heads: list[tuple[int, int, str]]) -> str:
    """SHA-256 over the contract heads, one `id seq hash` line each, in contract order."""
    digest = hashlib.sha256()
    for contract_id, seq, head_hash in heads:
        digest.update(f"{contract_id} {seq} {head_hash}\n".encode())
    return digest.hexdigest()


@dataclass
class Checkpoint:
    statement: dict
    kid: str
    signature: str  # base64 of the 64-byte Ed25519 signature over canonical(statement)
    heads: list[tuple[int, int, str]]

    @property
    def number(self) -> int:
        return self.statement["number"]

    @property
    def created_at(self) -> datetime:
        return parse_datetime(self.statement["created_at"])

    @property
    def ledger_head(self) -> tuple[int, str]:
        return self.statement["ledger"]["seq"], self.statement["ledger"]["hash"]

    @property
    def digest(self) -> str:
        """What a later checkpoint names as its `previous`."""
        return hashlib.sha256(canonical(self.statement)).hexdigest()

    def envelope(self) -> dict:
        return {"statement": self.statement, "kid": self.kid, "signature": self.signature}

    def envelope_text(self) -> str:
        return json.dumps(self.envelope(), sort_keys=True, ensure_ascii=False)

    def describe(self) -> str:
        return f"checkpoint #{self.number} of {self.statement['created_at']} (key {self.kid})"


def make_checkpoint(*, number: int, heads: list[tuple[int, int, str]], ledger_head: tuple[int, str],
                    previous: str, private_key: Ed25519PrivateKey,
                    now: datetime | None = None) -> Checkpoint:
    """Sign the heads. Refuses a key that is not published, or retired at this moment."""
    raw = public_key_of(private_key)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    known = {key.kid: key for key in published_keys()}
    kid = key_id(raw)
    if kid not in known:
        raise CheckpointError(f"The signing key {kid} is not in CHECKPOINT_PUBLIC_KEYS: publish "
                              "it first, or nobody can check what it signs.")
    if known[kid].retired_by(now):
        raise CheckpointError(f"The signing key {kid} was retired on "
                              f"{known[kid].retired_at.isoformat()}; sign with its successor.")
    heads = sorted(heads)
    statement = {
        "format": FORMAT,
        "number": number,
        "created_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "previous": previous,
        "ledger": {"seq": ledger_head[0], "hash": ledger_head[1]},
        "contracts": {"count": len(heads), "digest": heads_digest(heads)},
    }
    signature = base64.b64encode(private_key.sign(canonical(statement))).decode()
    return Checkpoint(statement=statement, kid=kid, signature=signature, heads=heads)


def check_signature(checkpoint: Checkpoint, keys: list[PublicKey] | None = None) -> PublicKey:
    """Prove the checkpoint genuine, or raise CheckpointError saying why it is refused: an
    unknown key, a key used at or after its retirement, a signature that does not verify, or
    heads that are not the ones signed."""
    keys = published_keys() if keys is None else keys
    key = next((k for k in keys if k.kid == checkpoint.kid), None)
    if key is None:
        raise CheckpointError(f"signed by key {checkpoint.kid}, which is not a published key")
    created = checkpoint.created_at
    if created is None:
        raise CheckpointError("its creation time is unreadable")
    if key.retired_by(created):
        raise CheckpointError(f"signed by key {key.kid} on {checkpoint.statement['created_at']}, "
                              f"after its retirement on {key.retired_at.isoformat()}")
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
        Ed25519PublicKey.from_public_bytes(key.raw).verify(signature, canonical(checkpoint.statement))
    except (InvalidSignature, ValueError, binascii.Error) as exc:
        raise CheckpointError(f"its signature does not verify with key {key.kid}") from exc
    contracts = checkpoint.statement.get("contracts", {})
    if (contracts.get("count") != len(checkpoint.heads)
            or contracts.get("digest") != heads_digest(checkpoint.heads)):
        raise CheckpointError("its contract heads are not the ones its statement signed")
    return key


# --- files: written once, never replaced ------------------------------------------------------


def _directory() -> Path:
    return Path(settings.CHECKPOINT_DIR)


def checkpoint_files(directory: Path | None = None) -> list[Path]:
    directory = directory or _directory()
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if FILE_PATTERN.match(p.name))


def parse(text: str, *, source: str = "checkpoint") -> Checkpoint:
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        envelope = json.loads(lines[0])
        statement = envelope["statement"]
        if statement.get("format") != FORMAT:
            raise CheckpointError(f"{source} is not a {FORMAT} file")
        heads = [(int(c), int(s), str(h)) for c, s, h in (json.loads(line) for line in lines[1:])]
        return Checkpoint(statement=statement, kid=str(envelope["kid"]),
                          signature=str(envelope["signature"]), heads=heads)
    except (IndexError, KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{source} is not a readable checkpoint ({exc})") from exc


def read(path) -> Checkpoint:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"cannot read {path}: {exc}") from exc
    return parse(text, source=str(path))


def latest(directory: Path | None = None) -> Checkpoint | None:
    files = checkpoint_files(directory)
    return read(files[-1]) if files else None


def latest_envelope(directory: Path | None = None) -> str | None:
    """The newest checkpoint's signed statement alone (its first line), without reading the
    heads: what goes into the mail a party keeps when a contract ends. None when there is
    none, or the folder cannot be read (the ending of a contract never fails over it)."""
    try:
        files = checkpoint_files(directory)
        if not files:
            return None
        with files[-1].open(encoding="utf-8") as handle:
            return handle.readline().strip() or None
    except (OSError, UnicodeDecodeError):
        logger.exception("the latest checkpoint could not be read")
        return None


def next_number(directory: Path | None = None) -> int:
    files = checkpoint_files(directory)
    return int(FILE_PATTERN.match(files[-1].name).group(1)) + 1 if files else 1


def store(checkpoint: Checkpoint, directory: Path | None = None) -> Path:
    """Write the checkpoint under its number, once: an existing file is never replaced (a
    concurrent run that took the same number fails here), and the file is made read-only."""
    directory = directory or _directory()
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"checkpoint-{checkpoint.number:08d}.jsonl"
    lines = [checkpoint.envelope_text()] + [json.dumps(list(head)) for head in checkpoint.heads]
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".incoming-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o444)
        try:
            os.link(temporary, final)  # fails if the number is taken: nothing is overwritten
        except FileExistsError as exc:
            raise CheckpointError(f"{final.name} already exists: another record_checkpoint ran "
                                  "at the same time; run again.") from exc
    finally:
        os.unlink(temporary)
    return final
