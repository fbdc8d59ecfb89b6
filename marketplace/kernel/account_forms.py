"""allauth's forms, extended (settings.ACCOUNT_FORMS): the password reset request is throttled."""

from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.core import context
from django import forms

from marketplace.kernel.input import PlainTextMixin
from marketplace.kernel.throttle import PASSWORD_RESET


class ResetPasswordForm(PlainTextMixin, AllauthResetPasswordForm):
    """allauth's request for a reset link, throttled per (address, email) and per address, so
    nobody can flood an inbox, while the owner of the address can still ask from elsewhere."""

    def clean_email(self) -> str:
        email = super().clean_email()
        request = context.request
        if request is not None:
            refusal = PASSWORD_RESET.refusal(request, email)
            if refusal:
                raise forms.ValidationError(refusal, code="throttled")
            PASSWORD_RESET.count(request, email)
        return email
