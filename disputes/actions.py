"""The actions on a cancellation request, each bound to one service."""

from django.utils.translation import gettext_lazy as _

from disputes.forms import AcceptTermsForm, CounterProposalForm, ReasonForm
from disputes.services import cancellations as svc
from marketplace.actions import Action


def _counter(*, actor, request, amount, fault, message):
    from contracts.money import to_cents

    return svc.cancellation_counter(actor=actor, request=request, amount_cents=to_cents(amount),
                                    fault=fault, message=message)


CANCELLATION_ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action(name="accept", label=_("Accept the terms"), service=svc.cancellation_accept,
           form_class=AcceptTermsForm, moves_money=True, style="success",
           explanation=_("The settlement executes at once on these terms and the contract is "
                         "cancelled. This cannot be undone.")),
    Action(name="counter", transition="counter_propose", label=_("Counter-propose"),
           service=_counter, form_class=CounterProposalForm, style="primary",
           form_kwargs=lambda request, user: {"escrow_cents": request.escrow_cents},
           explanation=_("Put other terms on the table; the other party gets a new answering "
                         "period.")),
    Action(name="deny", label=_("Deny the request"), service=svc.cancellation_deny,
           form_class=ReasonForm, style="outline-danger",
           explanation=_("The contract continues unless the freelancer disputes your decision. "
                         "Say why; the freelancer and, if needed, a mediator will read it.")),
    Action(name="dispute_cancellation", label=_("Dispute the cancellation"),
           service=svc.cancellation_dispute, form_class=ReasonForm, style="outline-danger",
           explanation=_("If you find this cancellation unjustified, dispute it: you first "
                         "negotiate directly, then a mediator helps, and an arbitrator decides "
                         "if needed.")),
    Action(name="dispute_denial", label=_("Dispute the decision"),
           service=svc.cancellation_dispute, form_class=ReasonForm, style="outline-danger",
           explanation=_("Take the denial to a dispute: direct negotiation first, then a "
                         "mediator, then an arbitrator if needed.")),
    Action(name="continue", transition="continue_contract", label=_("Continue the contract"),
           service=svc.cancellation_continue, style="outline-success",
           explanation=_("Your request ends and the contract goes on as before.")),
    Action(name="withdraw", label=_("Withdraw the request"), service=svc.cancellation_withdraw,
           style="outline-secondary",
           explanation=_("Your request ends and the contract goes on as before.")),
]}
