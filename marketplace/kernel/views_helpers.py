"""Shared plumbing of thin views: run one action's service and report the outcome."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _

from marketplace.kernel.actions import Action
from marketplace.kernel.errors import DomainError
from marketplace.kernel.services.onetime import run_once, used_key
from marketplace.kernel.throttle import MESSAGE


def already_done(request, url: str = "") -> None:
    """Tell the user a form they sent again changed nothing, and link to what the first one
    did (a double click, Back and resubmit, a retried request)."""
    text = _("This was already done; nothing was repeated.")
    if url:
        messages.info(request, format_html('{} <a href="{}">{}</a>', text, url,
                                           _("See what was done.")))
    else:
        messages.info(request, text)


def _perform(request, action: Action, object_kwarg: str, obj, data: dict,
             success_url: str) -> tuple[bool, object]:
    """Call the action's service once: (False, None) when it repeats an earlier POST."""
    key = data.pop("idempotency_key", None)

    def call():
        return action.service(actor=request.user, **{object_kwarg: obj}, **data)

    if not action.moves_money:
        return True, call()
    return run_once(user=request.user, key=key, action=call,
                    result_url=lambda result: _next_url(action, result, success_url))


def _next_url(action: Action, result, success_url: str) -> str:
    if action.next_url is not None and result is not None:
        return action.next_url(result)
    return success_url


def _repeat(request, action: Action, data: dict):
    """The earlier use of this form's one-time key, if it is a repeat."""
    if not action.moves_money:
        return None
    return used_key(user=request.user, key=data.get("idempotency_key"))


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
            earlier = _repeat(request, action, data)
            if earlier is not None:
                already_done(request, earlier.result_url or success_url)
                return redirect(earlier.result_url or success_url)
            # This action's own rule first: a POST to one action never runs another's service.
            reason = action.refusal(obj, request.user)
            if reason is not None:
                messages.error(request, reason)
                return redirect(success_url)
            try:
                first, result = _perform(request, action, object_kwarg, obj, data, success_url)
            except DomainError as exc:
                if form is None or action.refusal(obj, request.user) is not None:
                    messages.error(request, exc.message)
                    return redirect(success_url)
                form.add_error(None, exc.message)
            else:
                if not first:
                    earlier = _repeat(request, action, {"idempotency_key": form_key(form)})
                    url = earlier.result_url if earlier is not None else ""
                    already_done(request, url or success_url)
                    return redirect(url or success_url)
                messages.success(request, action.done_message(result))
                return redirect(_next_url(action, result, success_url))
    else:
        form = action.make_form(obj, request.user)
    return render(request, template, {
        **context, "action": action, "form": form,
        "refusal": action.refusal(obj, request.user), "cancel_url": success_url,
    }, status=400 if request.method == "POST" else 200)


def form_key(form) -> str | None:
    return form.cleaned_data.get("idempotency_key") if form is not None else None


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
