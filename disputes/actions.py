"""The actions on a cancellation request, each bound to one service."""

from django.utils.translation import gettext_lazy as _

from disputes.forms import AcceptTermsForm, CounterProposalForm, ReasonForm, SettlementOfferForm
from disputes.services import cancellations as svc
from disputes.services import disputes as dsvc
from marketplace.kernel.actions import Action
from marketplace.kernel.money import to_cents, to_decimal


def _counter(*, actor, request, amount, fault, message):
    return svc.cancellation_counter(actor=actor, request=request, amount_cents=to_cents(amount),
                                    fault=fault, message=message)


CANCELLATION_ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action(name="accept", label=_("Accept the terms"), service=svc.cancellation_accept,
           form_class=AcceptTermsForm, moves_money=True, style="success",
           explanation=_("The settlement executes at once on these terms and the contract is "
                         "cancelled. This cannot be undone.")),
    Action(name="counter", transition="counter_propose", label=_("Counter-propose"),
           service=_counter, form_class=CounterProposalForm, style="primary",
           form_kwargs=lambda request, user: {
               "escrow_cents": request.escrow_cents,
               "initial": {"amount": to_decimal(request.amount_to_freelancer_cents),
                           "fault": request.fault}},
           explanation=_("Put other terms on the table; the other party gets a new answering "
                         "period.")),
    Action(name="deny", label=_("Deny the request"), service=svc.cancellation_deny,
           form_class=ReasonForm, style="outline-danger",
           explanation=_("The contract continues unless the freelancer disputes your decision. "
                         "Say why; the freelancer and, if needed, a mediator will read it.")),
    Action(name="dispute_cancellation", label=_("Dispute the cancellation"),
           service=svc.cancellation_dispute, form_class=ReasonForm, style="outline-danger",
           next_url=lambda dispute: dispute.get_absolute_url(),
           explanation=_("If you find this cancellation unjustified, dispute it: you first "
                         "negotiate directly, then a mediator helps, and an arbitrator decides "
                         "if needed.")),
    Action(name="dispute_denial", label=_("Dispute the decision"),
           service=svc.cancellation_dispute, form_class=ReasonForm, style="outline-danger",
           next_url=lambda dispute: dispute.get_absolute_url(),
           explanation=_("Take the denial to a dispute: direct negotiation first, then a "
                         "mediator, then an arbitrator if needed.")),
    Action(name="continue", transition="continue_contract", label=_("Continue the contract"),
           service=svc.cancellation_continue, style="outline-success",
           explanation=_("Your request ends and the contract goes on as before.")),
    Action(name="withdraw", label=_("Withdraw the request"), service=svc.cancellation_withdraw,
           style="outline-secondary",
           explanation=_("Your request ends and the contract goes on as before.")),
]}


def _offer(*, actor, dispute, outcome, amount, fault, message):
    return dsvc.dispute_make_offer(actor=actor, dispute=dispute, outcome=outcome, fault=fault,
                                   amount_cents=to_cents(amount) if amount is not None else 0,
                                   message=message)


DISPUTE_ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action(name="offer", transition="make_offer", label=_("Make an offer"), service=_offer,
           form_class=SettlementOfferForm, style="primary",
           form_kwargs=lambda dispute, user: {"escrow_cents": dispute.escrow_cents},
           explanation=_("Propose how to end the dispute. If the other party accepts, it is "
                         "settled at once on these terms.")),
    Action(name="request_mediation", label=_("Ask for a mediator"),
           service=dsvc.dispute_request_mediation, style="outline-primary",
           explanation=_("The other party sees that you asked. When both of you ask, or when "
                         "the negotiation period ends, a mediator takes the case.")),
    Action(name="accept_proposal", label=_("Accept the proposal"),
           service=dsvc.dispute_accept_proposal, moves_money=True, style="success",
           explanation=_("When both parties accept, the proposal executes at once.")),
    Action(name="reject_proposal", label=_("Reject the proposal"),
           service=dsvc.dispute_reject_proposal, form_class=ReasonForm,
           style="outline-danger",
           explanation=_("The mediator makes one revised proposal; if that is rejected too, an "
                         "arbitrator decides, bindingly.")),
    Action(name="withdraw", label=_("Withdraw the dispute"), service=dsvc.dispute_withdraw,
           moves_money=True, style="outline-secondary",
           explanation=_("You give up the dispute. If you disputed a cancellation, the client's "
                         "latest terms apply and the contract is cancelled; if you disputed a "
                         "denial, your request ends and the contract continues.")),
]}

OFFER_ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action(name="accept", label=_("Accept this offer"), service=dsvc.dispute_accept_offer,
           moves_money=True, style="success",
           explanation=_("The dispute is settled on these terms, at once.")),
]}
