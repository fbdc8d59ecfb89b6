"""Cancellation requests (spec section 5): ask, answer, counter, deny, dispute, withdraw, and
the clock's auto-acceptance and lapse. Each service: lock contract then request, check the
transition, run it, save, settle or resume the contract, record, notify after commit."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from contracts.models import Contract, MilestoneState
from contracts.outcomes import FAULT_WORDS
from contracts.services.common import lock_contract
from contracts.services.lifecycle import resume_contract
from contracts.services.messages import message_post
from contracts.services.milestones import pause_auto_release
from contracts.services.settlements import escrowed_milestones, settle_contract
from disputes.models import CancellationProposal, CancellationRequest
from disputes.policy import Fault, find_reason
from disputes.services.disputes import dispute_open
from marketplace.kernel import fsm
from marketplace.kernel.errors import DomainError
from marketplace.kernel.money import format_money
from marketplace.kernel.services.notifications import notify
from marketplace.kernel.services.record import record_event

from .common import lock_case


def _days(name: str) -> timedelta:
    return timedelta(days=getattr(settings, name))


def _terms(amount_cents: int, fault: str) -> str:
    return f"{format_money(amount_cents)} of the escrow to the freelancer; fault: {FAULT_WORDS[fault]}"


def _check_terms(amount_cents: int, fault: str, escrow_cents: int) -> None:
    if fault not in Fault.values:
        raise DomainError(_("Choose whose fault the ending is: the client, the freelancer, or nobody."))
    if not 0 <= amount_cents <= escrow_cents:
        raise DomainError(_("The amount to the freelancer must be between %(zero)s and the "
                            "%(escrow)s in escrow.")
                          % {"zero": format_money(0), "escrow": format_money(escrow_cents)})


def _tell(request, user, text: str) -> None:
    notify(user=user, contract=request.contract, url=request.get_absolute_url(), text=text,
           deadline=request.deadline_at)


def _record(request, actor, kind: str, from_state: str, text: str, data: dict | None = None):
    record_event(contract=request.contract, actor=actor, kind=kind, subject=request,
                 from_state=from_state, to_state=request.state, text=text,
                 data={"request_id": request.pk, **(data or {})})


def _run(request, name: str, actor, **kwargs) -> str:
    from_state = request.state
    fsm.run(request, name, actor, **kwargs)
    fsm.save_transitioned(request)
    return from_state


def cancellation_request(*, actor, contract: Contract, reason: str, explanation: str,
                         amount_to_freelancer_cents: int, fault: str) -> CancellationRequest:
    """A party asks to end an active contract, with a reason, an explanation and terms.

    Effects: contract → cancellation_requested (no money moves; review clocks pause); the
    request is open with the other party's turn for CANCELLATION_RESPONSE_DAYS; event; the
    other party is asked to answer.
    """
    explanation = (explanation or "").strip()
    with transaction.atomic():
        contract = lock_contract(contract)
        fsm.check_allowed(contract, "request_cancellation", actor)
        role = "client" if actor.pk == contract.client_id else "freelancer"
        if find_reason(role, reason) is None:
            raise DomainError(_("Choose one of the listed reasons."))
        if len(explanation) < settings.CANCELLATION_MIN_EXPLANATION:
            raise DomainError(_("Explain in at least %(n)s characters why you want to end the "
                                "contract.") % {"n": settings.CANCELLATION_MIN_EXPLANATION})
        milestones = escrowed_milestones(contract)
        escrow = sum(m.amount_cents for m in milestones)
        _check_terms(amount_to_freelancer_cents, fault, escrow)
        fsm.run(contract, "request_cancellation", actor)
        fsm.save_transitioned(contract)
        pause_auto_release(contract)
        request = CancellationRequest(
            contract=contract, initiator=actor, initiator_role=role, reason=reason,
            explanation=explanation, amount_to_freelancer_cents=amount_to_freelancer_cents,
            fault=fault, initial_fault=fault, proposed_by=actor,
            turn_user=contract.other_party(actor), escrow_cents=escrow,
            submitted_value_cents=sum(m.amount_cents for m in milestones
                                      if m.state == MilestoneState.SUBMITTED),
        )
        request.start_deadline(now=request.created_at,
                               duration=_days("CANCELLATION_RESPONSE_DAYS"))
        request.save()
        CancellationProposal.objects.create(
            request=request, proposed_by=actor, amount_to_freelancer_cents=amount_to_freelancer_cents,
            fault=fault, message=explanation)
        _record(request, actor, "cancellation.requested", "",
                f"{actor.display_name} asked to cancel the contract. Reason: {request.reason_label}. "
                f"Explanation: {explanation} Proposed terms: {_terms(amount_to_freelancer_cents, fault)}.",
                {"reason": reason, "amount_to_freelancer_cents": amount_to_freelancer_cents,
                 "fault": fault, "escrow_cents": escrow})
        _tell(request, request.turn_user,
              _("%(who)s asked to cancel “%(title)s”. Answer within %(days)s days, or the "
                "proposed terms apply automatically.")
              % {"who": actor.display_name, "title": contract.title,
                 "days": settings.CANCELLATION_RESPONSE_DAYS})
    return request


def cancellation_accept(*, actor, request: CancellationRequest) -> CancellationRequest:
    """The party whose turn it is accepts the terms: the settlement executes; contract cancelled."""
    with transaction.atomic():
        contract, request = lock_case(CancellationRequest, request)
        from_state = _run(request, "accept", actor)
        _record(request, actor, "cancellation.accepted", from_state,
                f"{actor.display_name} accepted the terms: "
                f"{_terms(request.amount_to_freelancer_cents, request.fault)}.")
        settle_contract(contract=contract, to_freelancer_cents=request.amount_to_freelancer_cents,
                        fault=request.fault, source=f"cancellation:{request.pk}",
                        how="terms accepted", actor=actor)
    return request


def cancellation_counter(*, actor, request: CancellationRequest, amount_cents: int, fault: str,
                         message: str) -> CancellationRequest:
    """New terms from the party whose turn it is; the turn passes back, the deadline restarts."""
    message = (message or "").strip()
    if not message:
        raise DomainError(_("Say why you propose these terms."))
    with transaction.atomic():
        contract, request = lock_case(CancellationRequest, request)
        _check_terms(amount_cents, fault, request.escrow_cents)
        from_state = _run(request, "counter_propose", actor, by=actor, amount_cents=amount_cents,
                          fault=fault, response_period=_days("CANCELLATION_RESPONSE_DAYS"))
        CancellationProposal.objects.create(request=request, proposed_by=actor,
                                            amount_to_freelancer_cents=amount_cents, fault=fault,
                                            message=message)
        _record(request, actor, "cancellation.countered", from_state,
                f"{actor.display_name} counter-proposed: {_terms(amount_cents, fault)}. {message}",
                {"amount_to_freelancer_cents": amount_cents, "fault": fault})
        _tell(request, request.turn_user,
              _("%(who)s counter-proposed new terms for ending “%(title)s”. It is your turn.")
              % {"who": actor.display_name, "title": contract.title})
    return request


def cancellation_deny(*, actor, request: CancellationRequest, reason: str) -> CancellationRequest:
    """The client refuses a freelancer's request; the freelancer may counter, continue, or —
    after trying dialogue — dispute, for DENIAL_DISPUTE_DAYS."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why you deny the request."))
    with transaction.atomic():
        contract, request = lock_case(CancellationRequest, request)
        from_state = _run(request, "deny", actor, reason=reason,
                          dispute_period=_days("DENIAL_DISPUTE_DAYS"))
        _record(request, actor, "cancellation.denied", from_state,
                f"{actor.display_name} denied the request. Reason: {reason}", {"reason": reason})
        _tell(request, contract.freelancer,
              _("%(who)s denied your request to cancel “%(title)s”. You can counter-propose, "
                "continue the contract, or dispute after trying direct dialogue.")
              % {"who": actor.display_name, "title": contract.title})
    return request


def cancellation_dispute(*, actor, request: CancellationRequest, reason: str):
    """The freelancer disputes the client's cancellation, or the client's denial (after trying
    dialogue). The contract → disputed; the dispute opens in direct negotiation."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why you dispute this."))
    with transaction.atomic():
        contract, request = lock_case(CancellationRequest, request)
        name = "dispute_denial" if request.state == "denied" else "dispute_cancellation"
        from_state = _run(request, name, actor)
        _record(request, actor, "cancellation.disputed", from_state,
                f"{actor.display_name} disputed the "
                f"{'denial' if name == 'dispute_denial' else 'cancellation'}. Reason: {reason}",
                {"reason": reason})
        return dispute_open(contract=contract, request=request, actor=actor, reason=reason)


def _withdraw(actor, request, name: str, kind: str, verb: str) -> CancellationRequest:
    with transaction.atomic():
        contract, request = lock_case(CancellationRequest, request)
        from_state = _run(request, name, actor)
        _record(request, actor, kind, from_state, f"{actor.display_name} {verb}.")
        resume_contract(contract=contract, actor=actor, why=f"{actor.display_name} {verb}.")
        _tell(request, contract.other_party(actor),
              _("%(who)s %(verb)s; “%(title)s” continues.")
              % {"who": actor.display_name, "verb": verb, "title": contract.title})
    return request


def cancellation_withdraw(*, actor, request: CancellationRequest) -> CancellationRequest:
    """The initiator takes the request back; the contract continues."""
    return _withdraw(actor, request, "withdraw", "cancellation.withdrawn",
                     "withdrew the cancellation request")


def cancellation_continue(*, actor, request: CancellationRequest) -> CancellationRequest:
    """After a denial, the freelancer chooses to continue the contract."""
    return _withdraw(actor, request, "continue_contract", "cancellation.continued",
                     "chose to continue the contract after the denial")


def cancellation_auto_accept(*, request: CancellationRequest) -> CancellationRequest:
    """System: the party whose turn it was stayed silent, so the terms on the table apply,
    amount and fault together, except that by timeout the freelancer receives no more than
    the value of submitted work. The silent party's timeout is recorded."""
    with transaction.atomic():
        contract, request = lock_case(CancellationRequest, request)
        silent = request.turn_user
        from_state = _run(request, "auto_accept", None)
        amount = request.timeout_amount_cents
        _record(request, None, "cancellation.auto_accepted", from_state,
                f"Accepted by timeout: {silent.display_name} did not answer within "
                f"{settings.CANCELLATION_RESPONSE_DAYS} days. The terms on the table applied: "
                f"{_terms(amount, request.fault)}"
                + (f" (capped at the {format_money(request.submitted_value_cents)} of submitted "
                   "work)" if amount < request.amount_to_freelancer_cents else "") + ".",
                {"silent_role": request.timed_out_role, "amount_to_freelancer_cents": amount,
                 "fault": request.fault})
        settle_contract(contract=contract, to_freelancer_cents=amount, fault=request.fault,
                        source=f"cancellation:{request.pk}", how="accepted by timeout")
    return request


def cancellation_lapse(*, request: CancellationRequest) -> CancellationRequest:
    """System: the freelancer did not dispute the denial in time; the contract continues."""
    with transaction.atomic():
        contract, request = lock_case(CancellationRequest, request)
        from_state = _run(request, "lapse", None)
        _record(request, None, "cancellation.lapsed", from_state,
                f"The denial was not disputed within {settings.DENIAL_DISPUTE_DAYS} days; "
                "the request lapsed.")
        resume_contract(contract=contract, why="the cancellation request lapsed.")
        for user in contract.parties:
            _tell(request, user, _("The cancellation request on “%(title)s” lapsed; the contract "
                                   "continues.") % {"title": contract.title})
    return request


def cancellation_message(*, actor, request: CancellationRequest, body: str, files=()):
    """A message about the request, on the contract's thread, tagged with it. After a denial,
    messages from both parties count as trying direct dialogue."""
    with transaction.atomic():
        contract, request = lock_case(CancellationRequest, request)
        message = message_post(actor=actor, contract=contract, body=body, files=files,
                               cancellation=request)
        if not request.is_closed:
            request.note_message(by=actor, at=message.created_at)
            request.save(update_fields=["client_wrote_at", "freelancer_wrote_at", "dialogue_at"])
    return message
