"""The actions on a contract a party may take from its page, each bound to one service."""

from django.utils.translation import gettext_lazy as _

from contracts.forms import DeclineOfferForm
from contracts.services import offers
from marketplace.actions import Action

CONTRACT_ACTIONS: dict[str, Action] = {
    action.name: action
    for action in [
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
    ]
}
