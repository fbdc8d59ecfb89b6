"""Actions a user can take on a stateful object: one button, one confirmation form, one service.

A page lists the actions whose transition the current user may run now (django-fsm decides),
so the buttons shown and the rules enforced cannot disagree.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext as _

from marketplace.kernel import fsm
from marketplace.kernel.forms import IdempotentForm


@dataclass(frozen=True)
class Action:
    name: str  # URL slug
    label: str
    service: Callable  # called as service(actor=user, <object_kwarg>=obj, **form.cleaned_data)
    # The django-fsm transition that decides availability: by default the action's name;
    # None for an action that changes no state (only `extra_check` decides).
    transition: str | None = ""
    form_class: type[forms.Form] | None = None
    style: str = "primary"
    explanation: str = ""
    # Some actions are available only by conditions outside the transition itself.
    extra_check: Callable | None = None
    # Money-moving actions carry a one-time key, so a double click or a retry acts once.
    moves_money: bool = False
    # Extra keyword arguments for the form, from the object and the user (e.g. the escrow).
    form_kwargs: Callable | None = None
    # Where to go next, from what the service returned (e.g. the dispute it opened).
    next_url: Callable | None = None
    # What the page says once it is done, in words: a text, or a function of what the
    # service returned (e.g. "Decision recorded; the settlement has been executed.").
    done: str | Callable | None = None

    def make_form(self, obj, user, *args):
        form_class = self.get_form_class()
        if form_class is None:
            return None
        extra = self.form_kwargs(obj, user) if self.form_kwargs else {}
        return form_class(*args, **extra)

    def get_form_class(self) -> type[forms.Form] | None:
        if self.moves_money and self.form_class is None:
            return IdempotentForm
        return self.form_class

    def done_message(self, result) -> str:
        if callable(self.done):
            return str(self.done(result))
        if self.done:
            return str(self.done)
        return _("Done: %(action)s.") % {"action": self.label}

    @property
    def transition_name(self) -> str:
        return self.transition or self.name

    def refusal(self, obj, user) -> str | None:
        reason = None
        if self.transition is not None:
            reason = fsm.refusal_reason(obj, self.transition_name, user)
        if reason is None and self.extra_check is not None:
            reason = self.extra_check(obj, user)
        return reason

    def allows(self, obj, user) -> bool:
        """`refusal(obj, user) is None`, without wording a refusal nobody will read."""
        if self.transition is not None and not fsm.may(obj, self.transition_name, user):
            return False
        return self.extra_check is None or self.extra_check(obj, user) is None


def available(actions: dict[str, Action], obj, user) -> list[Action]:
    """The actions `user` may take on `obj` now, in declaration order."""
    return [action for action in actions.values() if action.allows(obj, user)]
