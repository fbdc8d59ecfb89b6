"""The actions a party may take from a contract's page, each bound to one service."""

from django.utils.translation import gettext_lazy as _

from contracts.forms import (
    DecisionForm,
    DeclineOfferForm,
    RequestChangesForm,
    SubmitMilestoneForm,
)
from contracts.services import lifecycle, milestones, offers, reports
from marketplace.kernel.actions import Action


def _by_name(*actions: Action) -> dict[str, Action]:
    return {action.name: action for action in actions}


CONTRACT_ACTIONS: dict[str, Action] = _by_name(
    Action(
        name="accept", label=_("Accept offer"), service=offers.offer_accept, style="success",
        explanation=_("The contract becomes active. The client then funds milestones into "
                      "escrow before you start each one."),
    ),
    Action(
        name="decline", label=_("Decline offer"), service=offers.offer_decline,
        form_class=DeclineOfferForm, style="outline-danger",
        explanation=_("The offer ends. The client is told, with your reason if you give one."),
    ),
    Action(
        name="withdraw", label=_("Withdraw offer"), service=offers.offer_withdraw,
        style="outline-danger",
        explanation=_("The offer ends before the freelancer answers."),
    ),
    Action(
        name="complete", label=_("End contract as completed"),
        service=lifecycle.contract_complete, style="outline-success",
        explanation=_("Ends the contract: all paid work stays paid, unfunded milestones are "
                      "voided, and both of you can leave feedback."),
    ),
)

MILESTONE_ACTIONS: dict[str, Action] = _by_name(
    Action(
        name="fund", label=_("Fund"), service=milestones.milestone_fund, moves_money=True,
        explanation=_("The amount moves from your wallet into this contract's escrow. It is "
                      "paid to the freelancer when you approve the delivery."),
    ),
    Action(
        name="submit", label=_("Submit delivery"), service=milestones.milestone_submit,
        form_class=SubmitMilestoneForm, style="success",
        explanation=_("The client is asked to review. Without an answer within the review "
                      "period, the milestone is released to you automatically."),
    ),
    Action(
        name="approve", label=_("Approve and release"), service=milestones.milestone_approve,
        moves_money=True, style="success",
        explanation=_("The escrowed amount is paid to the freelancer, less the platform fee."),
    ),
    Action(
        name="request_changes", label=_("Request changes"),
        service=milestones.milestone_request_changes, form_class=RequestChangesForm,
        style="outline-secondary",
        explanation=_("The milestone goes back to the freelancer; the money stays in escrow and "
                      "the review period restarts on the next delivery."),
    ),
)


# A mediator's decisions on a reported message (the console), each with its reason.
REPORT_ACTIONS: dict[str, Action] = _by_name(
    Action(name="warn", label=_("Warn the sender"), service=reports.report_warn,
           form_class=DecisionForm, style="danger",
           done=_("The sender was warned; the reporter is told."),
           explanation=_("Upholds the report: a conduct warning on the sender's profile, on the "
                         "contract's record, told to both parties.")),
    Action(name="hide", label=_("Hide the message"), service=reports.report_hide,
           form_class=DecisionForm, style="warning",
           done=_("The message is hidden from the parties; the reporter is told."),
           explanation=_("For abuse or personal data: the parties see that a mediator hid it, "
                         "and why; the record keeps it for case workers.")),
    Action(name="dismiss", label=_("Dismiss the report"), service=reports.report_dismiss,
           form_class=DecisionForm, style="secondary",
           done=_("The report is dismissed; the reporter is told why."),
           explanation=_("Nothing to act on: the reporter is told why.")),
)
