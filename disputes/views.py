"""Cancellation request pages: the request form, the request's page, its actions and thread."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts import selectors as contract_selectors
from contracts.forms import MessageForm
from contracts.models import AccessKind
from contracts.services.access_log import log_staff_read
from disputes import case_pages, consequences, selectors
from disputes.actions import CANCELLATION_ACTIONS, DISPUTE_ACTIONS, OFFER_ACTIONS
from disputes.forms import CancellationRequestForm, EvidenceForm
from disputes.services.cancellations import cancellation_message, cancellation_request
from disputes.services.disputes import EVIDENCE_STATES, dispute_message
from disputes.stats import outcome_figures
from disputes.stepper import cancellation_steps, dispute_steps
from marketplace.kernel.actions import available
from marketplace.kernel.errors import DomainError
from marketplace.kernel.fsm import refusal_reason
from marketplace.kernel.views_helpers import action_view, posted_form_view


@login_required
def cancellation_new(request, pk: int):
    contract = contract_selectors.contract_for_party(request.user, pk)
    refusal = refusal_reason(contract, "request_cancellation", request.user)
    case = selectors.current_case(contract)
    if refusal is not None:
        messages.error(request, refusal)
        return redirect(case.get_absolute_url() if case and not case.is_closed else contract)
    role = "client" if request.user.pk == contract.client_id else "freelancer"
    escrow = contract_selectors.escrow_cents(contract)
    form = CancellationRequestForm(request.POST or None, role=role, escrow_cents=escrow)
    if request.method == "POST" and form.is_valid():
        try:
            created = cancellation_request(
                actor=request.user, contract=contract, reason=form.cleaned_data["reason"],
                explanation=form.cleaned_data["explanation"],
                amount_to_freelancer_cents=form.amount_cents(), fault=form.cleaned_data["fault"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your request was sent. The other party has to answer."))
            return redirect(created)
    return render(request, "disputes/cancellation_form.html", {
        "contract": contract, "form": form, "escrow_cents": escrow, "role": role,
        "other": contract.other_party(request.user),
        "outcomes": consequences.request_outcomes(contract, request.user, role),
    }, status=400 if request.method == "POST" else 200)


@login_required
def cancellation_detail(request, pk: int):
    case = case_pages.cancellation_page(request.user, pk)
    user = request.user
    return render(request, "disputes/cancellation_detail.html", {
        "case": case,
        "contract": case.contract,
        "actions": available(CANCELLATION_ACTIONS, case, user),
        "steps": cancellation_steps(case, case.ending),
        "my_turn": case.turn_user_id == user.pk,
        "role": "client" if user.pk == case.contract.client_id else "freelancer",
        "counters_left": case.counters_left(
            "client" if user.pk == case.contract.client_id else "freelancer"),
        "timeout_consequence": (consequences.timeout_sentence(case, user)
                                if case.state == "open" else None),
    })


@login_required
def cancellation_action(request, pk: int, action: str):
    case = selectors.cancellation_for_party(request.user, pk)
    if action not in CANCELLATION_ACTIONS:
        raise Http404
    consequence = consequences.cancellation_action_sentence(action, case, request.user)
    return action_view(
        request, obj=case, action=CANCELLATION_ACTIONS[action], object_kwarg="request",
        template="disputes/cancellation_action.html", context={
            "case": case, "contract": case.contract, "consequence": consequence,
            "outcomes": (consequences.counter_outcomes(case, request.user)
                         if action == "counter" and case.contract.is_party(request.user)
                         else None)},
        success_url=case.get_absolute_url(),
    )


@login_required
@require_POST
def cancellation_message_create(request, pk: int):
    case = selectors.cancellation_for_party(request.user, pk)
    return posted_form_view(
        request, form=MessageForm(request.POST, request.FILES), done=_("Message sent."),
        send=lambda data: cancellation_message(actor=request.user, request=case,
                                               body=data["body"], files=data["files"]),
        redirect_to=case.get_absolute_url() + "#dialogue")


@login_required
def dispute_detail(request, pk: int):
    dispute = case_pages.dispute_room(request.user, pk)
    user = request.user
    # A case worker reads the room (they act in the console); only the parties act here.
    party = dispute.contract.is_party(user)
    log_staff_read(reader=user, contract=dispute.contract, what=AccessKind.DISPUTE_ROOM,
                   object_id=dispute.pk)
    offers = list(dispute.offers.all())
    for offer in offers:
        offer.actions = available(OFFER_ACTIONS, offer, user) if dispute.state in (
            "negotiation", "mediation") else []
    return render(request, "disputes/dispute_detail.html", {
        "dispute": dispute, "contract": dispute.contract,
        "actions": available(DISPUTE_ACTIONS, dispute, user),
        "offers": offers,
        "proposal": dispute.current_proposal,
        "decision": next((p for p in dispute.proposals.all() if p.kind == "decision"), None),
        "steps": dispute_steps(dispute, dispute.ending),
        "my_mediation_request": dispute.mediation_requested_by(user),
        "other_mediation_request": party and dispute.mediation_requested_by(
            dispute.contract.other_party(user)),
        # The forms' fields are written out in the templates (they are always empty here).
        "can_message": party and dispute.is_open,
        "can_add_evidence": party and dispute.state in EVIDENCE_STATES,
        "reading_as_staff": not party,
        # Who on the staff opened the case: names, first and last read (not every click).
        "staff_readers": dispute.staff_readers,
    })


@login_required
def dispute_action(request, pk: int, action: str):
    dispute = selectors.dispute_for_party(request.user, pk)
    if action not in DISPUTE_ACTIONS:
        raise Http404
    return action_view(
        request, obj=dispute, action=DISPUTE_ACTIONS[action], object_kwarg="dispute",
        template="disputes/dispute_action.html", context={
            "dispute": dispute, "contract": dispute.contract,
            "consequence": consequences.dispute_action_sentence(action, dispute, request.user)},
        success_url=dispute.get_absolute_url(),
    )


@login_required
def offer_action(request, pk: int, offer_pk: int, action: str):
    dispute = selectors.dispute_for_party(request.user, pk)
    offer = get_object_or_404(dispute.offers.select_related("made_by"), pk=offer_pk)
    offer.dispute = dispute
    if action not in OFFER_ACTIONS:
        raise Http404
    return action_view(
        request, obj=offer, action=OFFER_ACTIONS[action], object_kwarg="offer",
        template="disputes/dispute_action.html",
        context={"dispute": dispute, "contract": dispute.contract, "offer": offer,
                 "consequence": consequences.dispute_action_sentence(
                     f"offer_{action}", dispute, request.user, offer=offer)},
        success_url=dispute.get_absolute_url(),
    )


@login_required
@require_POST
def dispute_message_create(request, pk: int):
    dispute = selectors.dispute_for_party(request.user, pk)
    evidence = request.POST.get("kind") == "evidence"
    form = (EvidenceForm if evidence else MessageForm)(request.POST, request.FILES)
    return posted_form_view(
        request, form=form, done=_("Evidence added.") if evidence else _("Message sent."),
        send=lambda data: dispute_message(
            actor=request.user, dispute=dispute, files=data["files"], evidence=evidence,
            body=data["note"] if evidence else data["body"]),
        redirect_to=dispute.get_absolute_url() + ("#evidence" if evidence else "#case-thread"))


def stats(request):
    """Public outcome figures: how cases ended, at which stage, the median time to resolution."""
    return render(request, "disputes/stats.html", {"figures": outcome_figures()})
