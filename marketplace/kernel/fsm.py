"""Glue between django-fsm transitions and the services and pages that use them.

Conditions (`can_*`) and permissions carry a `refusal` message, and each model words its
states in `STATE_REFUSALS`, so a refused action always tells the user why; `allowed_actions`
gives the buttons a page shows, from the same rules.
"""

from collections.abc import Callable

from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from .errors import DomainError


def refusal(message) -> Callable:
    """Attach the message a user sees when this condition or permission is not met.

    `message` is a text, or for a permission a function (obj, user) -> text when the reason
    depends on who is asking.
    """

    def decorate(predicate: Callable) -> Callable:
        predicate.refusal = message
        return predicate

    return decorate


def state_refusal(instance, state: str) -> str:
    """Why nothing of this kind can be done in `state`, in plain words: each model with a state
    machine words its states in a `STATE_REFUSALS` table (a sentence per state that says what
    the situation is), never a sentence generated from the raw state value."""
    table = getattr(type(instance), "STATE_REFUSALS", {})
    return str(table.get(state) or _("This can no longer be done at this stage."))


def _permission_refusal(permission, instance, user) -> str:
    message = getattr(permission, "refusal", None)
    if message is None:
        return _("You are not allowed to do this.")
    return str(message(instance, user) if callable(message) else message)


def _transition(instance, name: str):
    method = getattr(instance, name)
    meta = method._django_fsm
    state = meta.field.get_state(instance)
    return meta, state


def _refusal(instance, name: str, actor) -> Callable[[], str] | None:
    """None if `actor` may run transition `name` on `instance` now, else a function that
    words why. Wording a refusal costs more than deciding it, and a page decides every
    button it could show."""
    meta, state = _transition(instance, name)
    if not meta.has_transition(state):
        return lambda: state_refusal(instance, state)
    transition = meta.get_transition(state)
    if not transition.has_perm(instance, actor):
        return lambda: _permission_refusal(transition.permission, instance, actor)
    for condition in transition.conditions:
        if not condition(instance):
            def unmet(condition=condition) -> str:
                message = getattr(condition, "refusal", None) or _("This is not possible right now.")
                # A condition's words may depend on the object (what is still missing).
                return str(message(instance) if callable(message) else message)
            return unmet
    return None


def refusal_reason(instance, name: str, actor) -> str | None:
    """Why `actor` may not run transition `name` on `instance` now, or None if they may."""
    refused = _refusal(instance, name, actor)
    return None if refused is None else refused()


def may(instance, name: str, actor) -> bool:
    """Whether `actor` may run transition `name` on `instance` now (the same rules as
    `refusal_reason`, without wording the refusal)."""
    return _refusal(instance, name, actor) is None


def check_allowed(instance, name: str, actor) -> None:
    """Raise DomainError with a readable reason unless `actor` may run `name` now."""
    reason = refusal_reason(instance, name, actor)
    if reason is not None:
        raise DomainError(reason)


def run(instance, name: str, actor, *args, **kwargs):
    """Check, then run transition `name` (the caller saves inside its transaction)."""
    check_allowed(instance, name, actor)
    return getattr(instance, name)(*args, **kwargs)


def save_transitioned(instance, **kwargs) -> None:
    """Save after a transition; a concurrent change of the state becomes a DomainError."""
    try:
        instance.save(**kwargs)
    except ConcurrentTransition as exc:
        raise DomainError(
            _("Someone else acted on this at the same moment. Reload the page and try again.")
        ) from exc


def allowed_actions(instance, user, names: list[str]) -> list[str]:
    """The subset of transition names that `user` may run now, in the given order."""
    return [name for name in names if may(instance, name, user)]
