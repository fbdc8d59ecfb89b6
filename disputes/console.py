"""The mediator console's actions: each a button on the case view, a form, and one service.

The same services the parties' pages use; django-fsm permissions decide who may act, so a
staff user without the right role is refused even by a forged POST.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from contracts.forms import MessageForm
from disputes.forms import DecisionForm, ExtendDeadlineForm, ReasonedOutcomeForm, ReasonForm
from disputes.services import casework
from disputes.services.disputes import can_write, dispute_message
from marketplace.kernel.actions import Action
from marketplace.kernel.input import Form
from marketplace.kernel.models import User
from marketplace.kernel.money import to_cents


def _outcome_kwargs(data: dict) -> dict:
    amount = data.get("amount")
    return {"outcome": data["outcome"], "fault": data["fault"],
            "amount_cents": to_cents(amount) if amount is not None else 0,
            "findings": data["findings"], "policy_clause": data["policy_clause"]}


def _propose(*, actor, dispute, **data):
    return casework.dispute_propose(actor=actor, dispute=dispute, **_outcome_kwargs(data))


def _decide(*, actor, dispute, **data):
    return casework.dispute_decide(actor=actor, dispute=dispute, **_outcome_kwargs(data))


def _assign_to_me(*, actor, dispute):
    return casework.dispute_assign_mediator(actor=actor, dispute=dispute)


def _reassign(*, actor, dispute, mediator):
    return casework.dispute_assign_mediator(actor=actor, dispute=dispute, mediator=mediator)


def _recuse(*, actor, dispute, reason):
    return casework.dispute_recuse(actor=actor, dispute=dispute, reason=reason)


def _extend(*, actor, dispute, until, reason):
    return casework.dispute_extend_deadline(actor=actor, dispute=dispute, until=until, reason=reason)


def _message(*, actor, dispute, body, files):
    return dispute_message(actor=actor, dispute=dispute, body=body, files=files)


class ReassignForm(Form):
    mediator = forms.ModelChoiceField(label=_lazy("Give the case to"), queryset=User.objects.none())

    def __init__(self, *args, dispute=None, **kwargs):
        super().__init__(*args, **kwargs)
        contract = dispute.contract
        self.fields["mediator"].queryset = (
            User.objects.filter(groups__name="Mediators", is_staff=True, is_active=True)
            .exclude(pk__in=[contract.client_id, contract.freelancer_id, dispute.mediator_id or 0])
            .order_by("username"))


def _already_holds(dispute, user):
    return _("You already hold this case.") if user and dispute.mediator_id == user.pk else None


def _not_a_writer(dispute, user):
    if not dispute.is_open:
        return _("The case is closed.")
    return None if can_write(dispute, user) else _(
        "Only the case's mediator or arbitrator writes to the parties; take the case first.")


def _escrow_kwargs(dispute, user):
    return {"escrow_cents": dispute.escrow_cents}


CONSOLE_ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action(name="assign_to_me", transition="assign_mediator", label=_lazy("Assign to me"),
           service=_assign_to_me, extra_check=_already_holds, style="primary",
           explanation=_lazy("You become the case's mediator. You must not be a party.")),
    Action(name="reassign", transition="assign_mediator", label=_lazy("Give to a mediator"),
           service=_reassign, form_class=ReassignForm, style="outline-secondary",
           form_kwargs=lambda dispute, user: {"dispute": dispute},
           explanation=_lazy("Give the case to another mediator (or to a colleague, if nobody "
                             "holds it yet).")),
    Action(name="recuse", transition="recuse", label=_lazy("Recuse"), service=_recuse,
           form_class=ReasonForm, style="outline-danger",
           explanation=_lazy("Hand the case back to the queue, saying why.")),
    Action(name="extend", transition="extend_deadline", label=_lazy("Extend the deadline"),
           service=_extend, form_class=ExtendDeadlineForm, style="outline-secondary",
           explanation=_lazy("In a proposal, the parties' time to answer; in mediation or "
                             "arbitration, your SLA. The reason goes on the record.")),
    Action(name="propose", transition="propose", label=_lazy("Propose a resolution"),
           service=_propose, form_class=ReasonedOutcomeForm, form_kwargs=_escrow_kwargs,
           style="success",
           explanation=_lazy("Both parties must accept; silence counts as acceptance. Open offers "
                             "lapse. The parties see your findings and the policy clause.")),
    Action(name="take_arbitration", transition="assign_arbitrator", label=_lazy("Take the case"),
           service=lambda *, actor, dispute: casework.dispute_assign_arbitrator(actor=actor,
                                                                                 dispute=dispute),
           style="primary",
           explanation=_lazy("You become the case's arbitrator. Never the case's mediator, never "
                             "a party.")),
    Action(name="decide", transition="decide", label=_lazy("Decide"), service=_decide,
           form_class=DecisionForm, form_kwargs=_escrow_kwargs, moves_money=True,
           style="danger",
           explanation=_lazy("A binding decision; the outcome executes at once. The parties see "
                             "your findings and the policy clause.")),
    Action(name="message", transition=None, label=_lazy("Message both parties"),
           service=_message, form_class=MessageForm, style="outline-primary",
           extra_check=_not_a_writer,
           explanation=_lazy("Posted on the contract's thread, tagged with this dispute.")),
]}
