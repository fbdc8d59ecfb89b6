"""Contract pages: list, offer form, contract page, actions, thread, record, attachments."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts import selectors
from contracts.actions import CONTRACT_ACTIONS, MILESTONE_ACTIONS
from contracts.cases import cases_for_record, current_case
from contracts.forms import MessageForm, MilestoneForm, MilestoneFormSet, OfferForm, ReportForm
from contracts.models import AccessKind, Account, ContractState, Settlement
from contracts.services.access_log import log_staff_read
from contracts.services.messages import can_post, message_post
from contracts.services.milestones import milestone_add
from contracts.services.offers import MilestoneInput, offer_create
from contracts.services.reports import message_report as message_report_service
from marketplace.kernel.actions import available
from marketplace.kernel.errors import DomainError
from marketplace.kernel.fsm import may
from marketplace.kernel.models import Role
from marketplace.kernel.services.record import verify_chain
from marketplace.kernel.views_helpers import action_view, posted_form_view

# Contracts that can have had a case: the ones that got past the offer.
CASE_STATES = (ContractState.ACTIVE, ContractState.CANCELLATION_REQUESTED,
               ContractState.DISPUTED, ContractState.CANCELLED, ContractState.COMPLETED,
               ContractState.CLOSED)


@login_required
def contract_list(request):
    state = request.GET.get("state") or None
    if state not in ContractState.values:
        state = None
    contracts = selectors.contract_list_rows(request.user, state=state)
    return render(request, "contracts/list.html", {
        "contracts": contracts, "state": state, "states": ContractState.choices,
    })


@login_required
def offer_new(request):
    freelancer = _freelancer_from_query(request)
    if request.user.role != Role.CLIENT:
        messages.error(request, _("Only clients can make offers."))
        return redirect("dashboard")
    form = OfferForm(request.POST or None)
    formset = MilestoneFormSet(request.POST or None, prefix="milestones")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        milestones = [
            MilestoneInput(title=f.cleaned_data["title"], amount_cents=f.amount_cents(),
                           due_date=f.cleaned_data.get("due_date"))
            for f in formset.forms if f.cleaned_data
        ]
        try:
            contract = offer_create(client=request.user, freelancer=freelancer,
                                    title=form.cleaned_data["title"],
                                    description=form.cleaned_data["description"],
                                    milestones=milestones)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your offer was sent to %(name)s.")
                             % {"name": freelancer.display_name})
            return redirect(contract)
    return render(request, "contracts/offer_form.html", {
        "form": form, "formset": formset, "freelancer": freelancer,
    }, status=400 if request.method == "POST" else 200)


def _freelancer_from_query(request):
    username = request.GET.get("freelancer", "")
    return get_object_or_404(
        get_user_model(), username=username, role=Role.FREELANCER, is_active=True
    )


@login_required
def contract_detail(request, pk: int):
    contract = selectors.contract_page(request.user, pk)
    milestones = contract.page_milestones
    for milestone in milestones:
        milestone.actions = available(MILESTONE_ACTIONS, milestone, request.user)
    is_client = request.user.pk == contract.client_id
    return render(request, "contracts/detail.html", {
        "contract": contract,
        # A case is shown while one runs, and once it ended: how (the outcome it recorded).
        "case": current_case(contract) if contract.state in CASE_STATES else None,
        "can_request_cancellation":
            may(contract, "request_cancellation", request.user),
        "milestones": milestones,
        "money": selectors.money_summary(
            contract, milestones,
            Settlement.objects.filter(contract=contract).first()
            if contract.state == ContractState.CANCELLED else None),
        "actions": available(CONTRACT_ACTIONS, contract, request.user),
        "can_add_milestone": is_client and contract.state == ContractState.ACTIVE,
        # The message form's fields are written out in the template (it is always empty here).
        "can_message": can_post(contract, request.user),
        "role": "client" if is_client else "freelancer",
    })


@login_required
def milestone_action(request, pk: int, milestone_pk: int, action: str):
    contract = selectors.contract_for_party(request.user, pk)
    milestone = get_object_or_404(contract.milestones, pk=milestone_pk)
    milestone.contract = contract
    if action not in MILESTONE_ACTIONS:
        raise Http404
    wallet = None
    if action == "fund" and request.user.pk == contract.client_id:
        wallet = (Account.objects.filter(kind="wallet", user=request.user)
                  .values_list("balance_cents", flat=True).first() or 0)
    return action_view(
        request, obj=milestone, action=MILESTONE_ACTIONS[action], object_kwarg="milestone",
        template="contracts/action.html",
        context={"contract": contract, "milestone": milestone, "wallet_cents": wallet},
        success_url=contract.get_absolute_url() + "#milestones",
    )


@login_required
def milestone_new(request, pk: int):
    contract = selectors.contract_for_party(request.user, pk)
    form = MilestoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            milestone_add(actor=request.user, contract=contract,
                          title=form.cleaned_data["title"], amount_cents=form.amount_cents(),
                          due_date=form.cleaned_data.get("due_date"))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Milestone added. Fund it when the work should start."))
            return redirect(contract.get_absolute_url() + "#milestones")
    return render(request, "contracts/milestone_form.html", {"contract": contract, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
def contract_action(request, pk: int, action: str):
    contract = selectors.contract_for_party(request.user, pk)
    if action not in CONTRACT_ACTIONS:
        raise Http404
    return action_view(
        request, obj=contract, action=CONTRACT_ACTIONS[action], object_kwarg="contract",
        template="contracts/action.html", context={"contract": contract},
        success_url=contract.get_absolute_url(),
    )


@login_required
@require_POST
def message_create(request, pk: int):
    contract = selectors.contract_for_party(request.user, pk)
    return posted_form_view(
        request, form=MessageForm(request.POST, request.FILES), done=_("Message sent."),
        send=lambda data: message_post(actor=request.user, contract=contract,
                                       body=data["body"], files=data["files"]),
        redirect_to=contract.get_absolute_url() + "#thread",
        failed_to=contract.get_absolute_url() + "#message-form")


@login_required
def contract_record(request, pk: int):
    contract = selectors.record_page(request.user, pk)
    log_staff_read(reader=request.user, contract=contract, what=AccessKind.RECORD)
    events = list(contract.events.all())
    # Messages a mediator hid stay in the record; the parties see that, and why, not what.
    hidden = selectors.hidden_messages(contract.pk)
    for event in events:
        if event.kind == "message.posted" and event.data.get("message_id") in hidden:
            event.hidden_reason = hidden[event.data["message_id"]]
    return render(request, "contracts/record.html", {
        "contract": contract, "events": events, "cases": cases_for_record(contract),
        "broken_link": verify_chain(contract, events), "hidden": hidden,
        "sees_hidden": not contract.is_party(request.user),
    })


@login_required
def attachment_download(request, pk: int):
    attachment = selectors.attachment_for(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    log_staff_read(reader=request.user, contract=attachment.contract, what=AccessKind.ATTACHMENT,
                   object_id=attachment.pk)
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def message_report(request, pk: int, message_pk: int):
    """A party reports a message of the other party as abusive, with a reason."""
    contract = selectors.contract_for_party(request.user, pk)
    message = get_object_or_404(contract.messages.select_related("author"), pk=message_pk)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message_report_service(actor=request.user, message=message,
                                   reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Thank you. A mediator will look at the message; you "
                                        "will be told what they decide."))
            return redirect(contract.get_absolute_url() + "#thread")
    return render(request, "contracts/message_report.html", {
        "contract": contract, "message": message, "form": form,
    }, status=400 if request.method == "POST" else 200)
