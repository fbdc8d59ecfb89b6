"""Shared plumbing of thin views: run one action's service and report the outcome."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marketplace.actions import Action
from marketplace.errors import DomainError


def action_view(request, *, obj, action: Action, object_kwarg: str, template: str,
                context: dict, success_url: str):
    """GET: confirmation page with the action's form. POST: validate, call the service once.

    A refused action (wrong state, wrong person, deadline passed) is explained, never a 500,
    and nothing changes.
    """
    reason = action.refusal(obj, request.user)
    form_class = action.form_class
    form = None
    if request.method == "POST":
        form = form_class(request.POST, request.FILES) if form_class else None
        if reason is not None:
            messages.error(request, reason)
            return redirect(success_url)
        if form is None or form.is_valid():
            kwargs = dict(form.cleaned_data) if form is not None else {}
            try:
                action.service(actor=request.user, **{object_kwarg: obj}, **kwargs)
            except DomainError as exc:
                if form is None:
                    messages.error(request, exc.message)
                    return redirect(success_url)
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Done: %(action)s.") % {"action": action.label})
                return redirect(success_url)
    elif form_class:
        form = form_class()
    return render(request, template, {
        **context, "action": action, "form": form, "refusal": reason,
        "cancel_url": success_url,
    }, status=400 if request.method == "POST" else 200)
