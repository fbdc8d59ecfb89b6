"""The mediator console's actions: each a button on the case view, a form, and one service.

The same services the parties' pages use; django-fsm permissions decide who may act, so a
staff user without the right role is refused even by a forged POST. Taking a case nobody
holds is "Assign to me" / "Take the case"; taking one somebody holds is a reassignment,
which only a lead mediator or lead arbitrator makes, with a reason.
"""

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
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


def _reassign(*, actor, dispute, mediator, reason):
    return casework.dispute_reassign_mediator(actor=actor, dispute=dispute, mediator=mediator,
                                              reason=reason)


def _recuse(*, actor, dispute, reason):
    return casework.dispute_recuse(actor=actor, dispute=dispute, reason=reason)


def _take_arbitration(*, actor, dispute):
    return casework.dispute_assign_arbitrator(actor=actor, dispute=dispute)


def _reassign_arbitration(*, actor, dispute, arbitrator, reason):
    return casework.dispute_reassign_arbitrator(actor=actor, dispute=dispute,
                                                arbitrator=arbitrator, reason=reason)


def _recuse_arbitration(*, actor, dispute, reason):
    return casework.dispute_recuse_arbitration(actor=actor, dispute=dispute, reason=reason)


def _extend(*, actor, dispute, until, reason):
    return casework.dispute_extend_deadline(actor=actor, dispute=dispute, until=until, reason=reason)


def _message(*, actor, dispute, body, files):
    return dispute_message(actor=actor, dispute=dispute, body=body, files=files)


class _ReassignForm(Form):
    """Whom the case goes to, and why (the reason goes on the record)."""

    group = ""  # the case workers to choose from

    reason = forms.CharField(label=_lazy("Reason (on the record; the people displaced read it)"),
                             max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, dispute=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields[self.person_field]
        field.queryset = self.candidates(dispute).order_by("username")
        field.label_from_instance = lambda user: f"{user.display_name} (@{user.username})"
        self.order_fields([self.person_field, "reason"])

    def candidates(self, dispute):
        contract = dispute.contract
        return (User.objects.filter(groups__name=self.group, is_staff=True, is_active=True)
                .exclude(pk__in=[contract.client_id, contract.freelancer_id]))


class ReassignForm(_ReassignForm):
    group = "Mediators"
    person_field = "mediator"
    mediator = forms.ModelChoiceField(label=_lazy("Give the case to"),
                                      queryset=User.objects.none())

    def candidates(self, dispute):
        return super().candidates(dispute).exclude(pk=dispute.mediator_id or 0)


class ReassignArbitrationForm(_ReassignForm):
    group = "Arbitrators"
    person_field = "arbitrator"
    arbitrator = forms.ModelChoiceField(label=_lazy("Give the case to"),
                                        queryset=User.objects.none())

    def candidates(self, dispute):
        # Never the case's arbitrator already, never anyone who mediated it.
        return super().candidates(dispute).exclude(
            pk__in=[dispute.arbitrator_id or 0, *dispute.past_mediator_ids])


def _not_a_writer(dispute, user):
    if not dispute.is_open:
        return _("The case is closed.")
    return None if can_write(dispute, user) else _(
        "Only the case's mediator or arbitrator writes to the parties; take the case first.")


def _escrow_kwargs(dispute, user):
    return {"escrow_cents": dispute.escrow_cents}


def _case_kwargs(dispute, user):
    return {"dispute": dispute}


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "—"


def _extended(dispute) -> str:
    until = dispute.deadline_at if dispute.state == "proposal" else dispute.sla_extended_until
    return _("Deadline moved to %(when)s; both parties were told.") % {"when": _when(until)}


def _proposed(proposal) -> str:
    return _("Proposal sent to both parties. They have until %(when)s to answer; silence counts "
             "as acceptance.") % {"when": _when(proposal.dispute.deadline_at)}


def _decided(decision) -> str:
    if decision.outcome == "cancel":
        return _("Decision recorded; the settlement has been executed.")
    return _("Decision recorded; the contract continues and no money moved.")


def _reassigned(dispute) -> str:
    holder = dispute.arbitrator if dispute.state == "arbitration" else dispute.mediator
    return _("Case reassigned to %(name)s. The reason is on the record; both parties and "
             "everyone whose work changed were told.") % {"name": holder.display_name}


CONSOLE_ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action(name="assign_to_me", transition="assign_mediator", label=_lazy("Assign to me"),
           service=_assign_to_me, style="primary",
           done=_lazy("You now hold this case; both parties were told."),
           explanation=_lazy("You become the case's mediator. You must not be a party.")),
    Action(name="reassign", transition="reassign_mediator", label=_lazy("Reassign"),
           service=_reassign, form_class=ReassignForm, style="outline-secondary",
           form_kwargs=_case_kwargs, done=_reassigned,
           explanation=_lazy("As lead mediator, give the case to a mediator (yourself "
                             "included). The mediator who held it and both parties are told; "
                             "your reason goes on the record.")),
    Action(name="recuse", transition="recuse", label=_lazy("Recuse"), service=_recuse,
           form_class=ReasonForm, style="outline-danger",
           done=_lazy("You stepped down. The case is back in the queue; both parties were "
                      "told."),
           explanation=_lazy("Hand the case back to the queue, saying why.")),
    Action(name="extend", transition="extend_deadline", label=_lazy("Extend the deadline"),
           service=_extend, form_class=ExtendDeadlineForm, style="outline-secondary",
           done=_extended,
           explanation=_lazy("In a proposal, the parties' time to answer; in mediation or "
                             "arbitration, your SLA. The reason goes on the record.")),
    Action(name="propose", transition="propose", label=_lazy("Propose a resolution"),
           service=_propose, form_class=ReasonedOutcomeForm, form_kwargs=_escrow_kwargs,
           style="success", done=_proposed,
           explanation=_lazy("Both parties must accept; silence counts as acceptance. Open offers "
                             "lapse. The parties see your findings and the policy clause.")),
    Action(name="take_arbitration", transition="assign_arbitrator", label=_lazy("Take the case"),
           service=_take_arbitration, style="primary",
           done=_lazy("You now hold this arbitration; both parties were told."),
           explanation=_lazy("You become the case's arbitrator. Never the case's mediator, never "
                             "a party.")),
    Action(name="reassign_arbitration", transition="reassign_arbitrator",
           label=_lazy("Reassign"), service=_reassign_arbitration,
           form_class=ReassignArbitrationForm, style="outline-secondary",
           form_kwargs=_case_kwargs, done=_reassigned,
           explanation=_lazy("As lead arbitrator, give the case to an arbitrator (yourself "
                             "included; never anyone who mediated it). The arbitrator who "
                             "held it and both parties are told; your reason goes on the "
                             "record.")),
    Action(name="recuse_arbitration", transition="recuse_arbitration", label=_lazy("Recuse"),
           service=_recuse_arbitration, form_class=ReasonForm, style="outline-danger",
           done=_lazy("You stepped down. The case is back in the arbitration queue; both "
                      "parties were told."),
           explanation=_lazy("Hand the case back to the arbitration queue, saying why (a "
                             "conflict of interest, for example).")),
    Action(name="decide", transition="decide", label=_lazy("Decide"), service=_decide,
           form_class=DecisionForm, form_kwargs=_escrow_kwargs, moves_money=True,
           style="danger", done=_decided,
           explanation=_lazy("A binding decision; the outcome executes at once. The parties see "
                             "your findings and the policy clause.")),
    Action(name="message", transition=None, label=_lazy("Message both parties"),
           service=_message, form_class=MessageForm, style="outline-primary",
           extra_check=_not_a_writer, done=_lazy("Message sent to both parties."),
           explanation=_lazy("Posted on the contract's thread, tagged with this dispute.")),
]}
