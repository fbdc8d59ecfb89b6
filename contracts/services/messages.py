"""Posting to a contract's thread, with validated attachments; every message is recorded."""

from django.db import transaction
from django.utils.translation import gettext as _

from contracts.models import Attachment, Contract, Message
from contracts.uploads import check_upload
from marketplace.kernel.errors import DomainError
from marketplace.kernel.services.notifications import notify
from marketplace.kernel.services.record import record_event

from .common import lock_contract

MAX_FILES_PER_MESSAGE = 5
MAX_MESSAGE_LENGTH = 10_000


def message_post(*, actor, contract: Contract, body: str, files=(), cancellation=None,
                 dispute=None, as_evidence: bool = False,
                 allow_case_worker: bool = False) -> Message:
    """Post a message (and its attachments) on the contract's thread.

    Effects: a Message, its Attachments stored under server-generated names with their
    SHA-256, a `message.posted` event carrying those hashes, and a notification to the
    others in the conversation. A message about a case is tagged with its cancellation
    request or dispute; with `as_evidence` its files are evidence in the dispute. With
    `allow_case_worker`, the dispute's own mediator or arbitrator may write too.
    """
    case_tags = {"cancellation": cancellation, "dispute": dispute}
    body = (body or "").strip()
    files = list(files)
    if not body and not files:
        raise DomainError(_("Write a message or attach a file."))
    if len(body) > MAX_MESSAGE_LENGTH:
        raise DomainError(_("A message can be at most %(n)s characters.") % {"n": MAX_MESSAGE_LENGTH})
    if len(files) > MAX_FILES_PER_MESSAGE:
        raise DomainError(_("Attach at most %(n)s files to one message.") % {"n": MAX_FILES_PER_MESSAGE})
    checked = [(f, check_upload(f)) for f in files]  # before any write: refuse all or none
    stored: list = []
    try:
        with transaction.atomic():
            contract = lock_contract(contract)
            if not can_post(contract, actor, dispute if allow_case_worker else None):
                raise DomainError(_("Only the parties to this contract can write on its thread."))
            message = Message.objects.create(
                contract=contract, author=actor, body=body, **case_tags
            )
            for upload, info in checked:
                stored.append(_store(contract=contract, message=message, actor=actor,
                                     upload=upload, info=info,
                                     dispute=dispute if as_evidence else None))
            _record_and_notify(contract, actor, message, body, stored, case_tags)
    except BaseException:
        # Nothing of a failed post may remain, not even the files written to storage.
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return message


def _record_and_notify(contract, actor, message, body, attachments, case_tags) -> None:
    record_event(
        contract=contract, actor=actor, kind="message.posted", subject=message,
        text=body or "(attachment only)",
        data={
            "message_id": message.pk,
            "attachments": [
                {"id": a.pk, "name": a.original_name, "sha256": a.sha256, "size": a.size,
                 "evidence": a.dispute_id is not None}
                for a in attachments
            ],
            **{f"{tag}_id": obj.pk for tag, obj in case_tags.items() if obj is not None},
        },
    )
    for user in message_recipients(contract, actor, case_tags.get("dispute")):
        notify(
            user=user, contract=contract, url=contract.get_absolute_url() + "#thread",
            text=_("New message from %(who)s on “%(title)s”.")
            % {"who": actor.display_name, "title": contract.title},
        )


def can_post(contract: Contract, actor, dispute=None) -> bool:
    """The parties write on their thread; in a dispute, so does its mediator or arbitrator."""
    if contract.is_party(actor):
        return True
    return dispute is not None and actor is not None and actor.pk in (
        dispute.mediator_id, dispute.arbitrator_id)


def message_recipients(contract: Contract, actor, dispute=None) -> list:
    people = list(contract.parties)
    if dispute is not None:
        people += [u for u in (dispute.mediator, dispute.arbitrator) if u is not None]
    return [user for user in people if user.pk != actor.pk]


def _store(*, contract, message, actor, upload, info, dispute=None) -> Attachment:
    attachment = Attachment(
        contract=contract, message=message, dispute=dispute, uploaded_by=actor,
        original_name=info.name,
        content_type=info.content_type, size=info.size, sha256=info.sha256,
    )
    upload.seek(0)
    # Write the file under its server-generated name, then insert the row once.
    attachment.file.save(info.name, upload, save=False)
    attachment.save()
    return attachment
