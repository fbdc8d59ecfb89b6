"""Feedback after a contract ends: submit (double-blind), reveal, and one public reply."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractState
from contracts.services.common import lock_contract
from disputes.models import CancellationRequest, CancellationState, Dispute
from disputes.models.dispute import OPEN_STATES
from marketplace.kernel.errors import DomainError
from marketplace.kernel.hooks import reputation_changed
from marketplace.kernel.services.notifications import notify
from marketplace.kernel.services.record import record_event
from reputation.models import Feedback

FEEDBACK_STATES = (ContractState.COMPLETED, ContractState.CANCELLED)


def window_closes_at(contract: Contract):
    if contract.ended_at is None:
        return None
    return contract.ended_at + timedelta(days=settings.FEEDBACK_WINDOW_DAYS)


def client_cancelled(contract: Contract) -> bool:
    """The contract was cancelled on a request the client made (the freelancer is then asked
    whether the client explained it clearly and respectfully)."""
    if contract.state != ContractState.CANCELLED:
        return False
    last = (CancellationRequest.objects.filter(contract=contract)
            .exclude(state__in=[CancellationState.WITHDRAWN, CancellationState.LAPSED])
            .order_by("-created_at", "-pk").values_list("initiator_role", flat=True).first())
    return last == "client"


def feedback_refusal(contract: Contract, user) -> str | None:
    """Why `user` may not leave feedback on `contract` now, or None."""
    if not contract.is_party(user):
        return _("Only the client and the freelancer of this contract can leave feedback.")
    if contract.state not in FEEDBACK_STATES:
        return _("Feedback opens when the contract is completed or cancelled.")
    if (CancellationRequest.objects.filter(contract=contract, state__in=["open", "denied"]).exists()
            or Dispute.objects.filter(contract=contract, state__in=OPEN_STATES).exists()):
        return _("Feedback opens once the case is closed.")
    if timezone.now() >= window_closes_at(contract):
        return _("The %(days)s days for feedback are over.") % {"days": settings.FEEDBACK_WINDOW_DAYS}
    if Feedback.objects.filter(contract=contract, author=user).exists():
        return _("You have already left feedback on this contract; feedback cannot be changed.")
    return None


def feedback_submit(*, actor, contract: Contract, rating: int, communication: int,
                    quality_or_clarity: int, professionalism: int, comment: str,
                    explained_clearly: bool | None = None) -> Feedback:
    """Leave feedback. Hidden until both parties have, or the window closes. Effects: the
    row, an event (without the ratings: they are blind), a note to the other party; and when
    both are in, the reveal (event, reputation refresh)."""
    comment = (comment or "").strip()
    with transaction.atomic():
        contract = lock_contract(contract)
        reason = feedback_refusal(contract, actor)
        if reason:
            raise DomainError(reason)
        for value in (rating, communication, quality_or_clarity, professionalism):
            if value not in (1, 2, 3, 4, 5):
                raise DomainError(_("Ratings go from 1 to 5 stars."))
        if not comment:
            raise DomainError(_("Write a public comment."))
        role = "client" if actor.pk == contract.client_id else "freelancer"
        asks = role == "freelancer" and client_cancelled(contract)
        if asks and explained_clearly is None:
            raise DomainError(_("Say whether the client explained the cancellation clearly and "
                                "respectfully."))
        feedback = Feedback.objects.create(
            contract=contract, author=actor, receiver=contract.other_party(actor),
            author_role=role, rating=rating, communication=communication,
            quality_or_clarity=quality_or_clarity, professionalism=professionalism,
            comment=comment, explained_clearly=explained_clearly if asks else None,
            after_dispute=Dispute.objects.filter(contract=contract).exists())
        record_event(contract=contract, actor=actor, kind="feedback.submitted", subject=feedback,
                     text=f"{actor.display_name} left feedback (hidden until both parties have, "
                          f"or the {settings.FEEDBACK_WINDOW_DAYS}-day window closes).")
        if Feedback.objects.filter(contract=contract).count() == 2:
            _reveal(contract, why="both parties have left feedback")
        else:
            notify(user=feedback.receiver, contract=contract, url=_feedback_url(contract),
                   text=_("%(who)s left feedback on “%(title)s”. Leave yours: both are shown "
                          "once you have, or when the window closes.")
                   % {"who": actor.display_name, "title": contract.title})
    return feedback


def _feedback_url(contract) -> str:
    return reverse("reputation:feedback", args=[contract.pk])


def _reveal(contract, *, why: str) -> int:
    hidden = list(Feedback.objects.select_for_update().filter(contract=contract,
                                                               revealed_at__isnull=True))
    now = timezone.now()
    for feedback in hidden:
        feedback.revealed_at = now
        feedback.save(update_fields=["revealed_at"])
    if hidden:
        record_event(contract=contract, actor=None, kind="feedback.revealed",
                     text=f"Feedback revealed: {why}. " + " ".join(
                         f"{f.author.display_name} rated {f.receiver.display_name} {f.rating}/5."
                         for f in hidden),
                     data={"feedback": [f.pk for f in hidden]})
        for user in contract.parties:
            notify(user=user, contract=contract, url=_feedback_url(contract),
                   text=_("Feedback on “%(title)s” is now public.") % {"title": contract.title})
        reputation_changed.send(sender=Feedback, users=[f.receiver for f in hidden])
    return len(hidden)


def feedback_reveal_window(*, feedback: Feedback) -> int:
    """System: the feedback window closed; whatever was left is revealed."""
    with transaction.atomic():
        contract_id = Feedback.objects.filter(pk=feedback.pk).values_list("contract_id", flat=True).get()
        contract = lock_contract(contract_id)
        if timezone.now() < window_closes_at(contract):
            raise DomainError("window still open")
        return _reveal(contract, why=f"the {settings.FEEDBACK_WINDOW_DAYS}-day window closed")


def feedback_reply(*, actor, feedback: Feedback, reply: str) -> Feedback:
    """The receiver's one public reply to revealed feedback."""
    reply = (reply or "").strip()
    if not reply:
        raise DomainError(_("Write your reply."))
    with transaction.atomic():
        contract = lock_contract(feedback.contract_id)
        feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
        if actor is None or actor.pk != feedback.receiver_id:
            raise DomainError(_("Only the person the feedback is about can reply."))
        if not feedback.is_revealed:
            raise DomainError(_("You can reply once the feedback is public."))
        if feedback.reply:
            raise DomainError(_("You have already replied; a reply cannot be changed."))
        feedback.reply, feedback.replied_at = reply, timezone.now()
        feedback.save(update_fields=["reply", "replied_at"])
        record_event(contract=contract, actor=actor, kind="feedback.replied", subject=feedback,
                     text=f"{actor.display_name} replied publicly to the feedback: {reply}")
    return feedback
