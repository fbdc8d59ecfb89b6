"""Shared plumbing of thin views: run one action's service and report the outcome."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marketplace.kernel.actions import Action
from marketplace.kernel.errors import DomainError
from marketplace.kernel.services.onetime import key_was_used, run_once
from marketplace.kernel.throttle import MESSAGE


def _perform(request, action: Action, object_kwarg: str, obj, data: dict) -> tuple[bool, object]:
    """Call the action's service once: (False, None) when it repeats an earlier POST."""
    key = data.pop("idempotency_key", None)

    def call():
        return action.service(actor=request.user, **{object_kwarg: obj}, **data)

    if not action.moves_money:
        return True, call()
    return run_once(user=request.user, key=key, action=call)


def _is_repeat(request, action: Action, data: dict) -> bool:
    if not action.moves_money:
        return False
    return key_was_used(user=request.user, key=data.get("idempotency_key"))


def action_view(request, *, obj, action: Action, object_kwarg: str, template: str,
                context: dict, success_url: str):
    """GET: confirmation page with the action's form. POST: validate, call the service once.

    A refused action (wrong state, wrong person, deadline passed) is explained, never a 500,
    and nothing changes. A repeated money-moving POST (same one-time key) changes nothing and
    lands where the first one did.
    """
    form = None
    if request.method == "POST":
        form = action.make_form(obj, request.user, request.POST, request.FILES)
        if form is None or form.is_valid():
            data = dict(form.cleaned_data) if form is not None else {}
            if _is_repeat(request, action, data):
                messages.info(request, _("This was already done; nothing was repeated."))
                return redirect(success_url)
            # This action's own rule first: a POST to one action never runs another's service.
            reason = action.refusal(obj, request.user)
            if reason is not None:
                messages.error(request, reason)
                return redirect(success_url)
            try:
                first, result = _perform(request, action, object_kwarg, obj, data)
            except DomainError as exc:
                if form is None or action.refusal(obj, request.user) is not None:
                    messages.error(request, exc.message)
                    return redirect(success_url)
                form.add_error(None, exc.message)
            else:
                if first:
                    messages.success(request, _("Done: %(action)s.") % {"action": action.label})
                else:
                    messages.info(request, _("This was already done; nothing was repeated."))
                if first and action.next_url is not None and result is not None:
                    return redirect(action.next_url(result))
                return redirect(success_url)
    else:
        form = action.make_form(obj, request.user)
    return render(request, template, {
        **context, "action": action, "form": form,
        "refusal": action.refusal(obj, request.user), "cancel_url": success_url,
    }, status=400 if request.method == "POST" else 200)


def posted_form_view(request, *, form, send, done: str, redirect_to: str,
                     failed_to: str | None = None):
    """A form posted from an object's page (a message, evidence): validate, call the service
    with the cleaned data, report the outcome as a flash message, and go back to the page
    (to `failed_to`, e.g. the form itself, when it was refused). Posting is throttled per
    poster (and loosely per address): what a flood of messages would do, nothing else does."""
    poster = f"user:{request.user.pk}"
    refusal = MESSAGE.refusal(request, poster)
    if refusal:
        messages.error(request, refusal)
    elif form.is_valid():
        try:
            send(form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            MESSAGE.count(request, poster)
            messages.success(request, done)
            return redirect(redirect_to)
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect(failed_to or redirect_to)
