"""Validation of uploaded files by their content: PDF, PNG, JPEG or plain text, size-capped.

The name a browser sends is never trusted: the type comes from the first bytes, the
extension must agree with it, and the file is stored under a server-generated name.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from marketplace.kernel.errors import DomainError

SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
]
EXTENSIONS = {
    "application/pdf": {".pdf"},
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "text/plain": {".txt", ".text", ".log", ".md", ".csv"},
}
# Text that a browser could take for a page or an image with script in it is refused, even
# though we always serve files as downloads with nosniff: defence in depth.
MARKUP_PREFIXES = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml",
                   b"<iframe", b"<object", b"<embed", b"<img", b"<a ", b"<div", b"<style", b"<meta",
                   b"<!--")


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content_type: str
    size: int
    sha256: str


def max_bytes() -> int:
    return settings.ATTACHMENT_MAX_MB * 1024 * 1024


def _sniff(head: bytes, whole_text_sample: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    stripped = whole_text_sample.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"\x00" in whole_text_sample or stripped.startswith(MARKUP_PREFIXES):
        return None
    try:
        whole_text_sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A sample may end in the middle of a multi-byte character; only that is forgiven.
        if exc.start < len(whole_text_sample) - 3:
            return None
    return "text/plain"


def check_name(name: str) -> str:
    if not name or "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise DomainError(
            _("The file name “%(name)s” contains a path; send the file under a plain name.")
            % {"name": name}
        )
    if len(name) > 150:
        raise DomainError(_("The file name is too long (at most 150 characters)."))
    return name


def check_upload(uploaded) -> CheckedUpload:
    """Validate an uploaded file; raise DomainError with a message a user understands."""
    name = check_name(getattr(uploaded, "name", "") or "")
    size = uploaded.size
    if size > max_bytes():
        raise DomainError(
            _("“%(name)s” is larger than the %(mb)s MB limit.")
            % {"name": name, "mb": settings.ATTACHMENT_MAX_MB}
        )
    if size == 0:
        raise DomainError(_("“%(name)s” is empty.") % {"name": name})
    uploaded.seek(0)
    sample = uploaded.read(64 * 1024)
    content_type = _sniff(sample[:16], sample)
    if content_type is None:
        raise DomainError(
            _("“%(name)s” is not a PDF, PNG, JPEG or plain-text file.") % {"name": name}
        )
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS[content_type]:
        raise DomainError(
            _("“%(name)s” does not contain what its name says (its content is %(kind)s).")
            % {"name": name, "kind": content_type}
        )
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in iter(lambda: uploaded.read(1024 * 1024), b""):
        digest.update(chunk)
    if content_type == "text/plain":
        uploaded.seek(0)
        _check_whole_text(uploaded, name)
    uploaded.seek(0)
    return CheckedUpload(name=name, content_type=content_type, size=size, sha256=digest.hexdigest())


def _check_whole_text(uploaded, name: str) -> None:
    data = uploaded.read()
    if b"\x00" in data:
        raise DomainError(_("“%(name)s” is not a plain-text file.") % {"name": name})
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DomainError(
            _("“%(name)s” is not UTF-8 plain text.") % {"name": name}
        ) from exc
