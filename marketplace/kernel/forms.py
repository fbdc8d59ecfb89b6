"""Kernel forms: sign-up with a role and time zone (throttled), the profile form, and the
one-time key that every money-moving form carries. (allauth builds its sign-up form on ours,
so allauth's forms are extended in `account_forms`, not here.)"""

import uuid
import zoneinfo

from allauth.core import context
from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.kernel.input import Form, ModelForm
from marketplace.kernel.models import Role, User
from marketplace.kernel.throttle import SIGNUP

SIGNUP_ROLES = [(Role.CLIENT, _("I want to hire (client)")),
                (Role.FREELANCER, _("I want to work (freelancer)"))]


def timezone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
            if "/" in name or name == "UTC"]


class SignupForm(Form):
    """Extra sign-up fields; allauth calls `signup()` after creating the user."""

    role = forms.ChoiceField(label=_("I am joining as"), choices=SIGNUP_ROLES,
                             widget=forms.RadioSelect)
    timezone = forms.ChoiceField(label=_("Time zone"), initial="UTC")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()

    def _email(self) -> str:
        return str(self.cleaned_data.get("email") or self.data.get(self.add_prefix("email"))
                   or "").strip()

    def clean(self):
        data = super().clean()
        # Throttled per (address, email) and per address (allauth's view sets the request).
        # What counts is an account made (signup below) or an address or name refused as
        # taken (probing who is registered); a mistyped password costs nothing.
        request, email = context.request, self._email()
        if request is not None and email:
            refusal = SIGNUP.refusal(request, email)
            if refusal:
                raise forms.ValidationError(refusal, code="throttled")
            if {"email", "username"} & set(self.errors):
                SIGNUP.count(request, email)
        return data

    def signup(self, request, user):
        user.role = self.cleaned_data["role"]
        user.timezone = self.cleaned_data["timezone"]
        user.save(update_fields=["role", "timezone"])
        SIGNUP.count(request, self._email())


class ProfileForm(ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"))

    class Meta:
        model = User
        fields = ["first_name", "last_name", "timezone", "email_frequency", "headline",
                  "skills", "bio"]
        widgets = {"email_frequency": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()
        # Left out of a post, the preference stays as it was.
        self.fields["email_frequency"].required = False
        if self.instance.role != Role.FREELANCER:
            for name in ("headline", "skills"):
                self.fields.pop(name)

    def clean_email_frequency(self):
        return self.cleaned_data.get("email_frequency") or self.instance.email_frequency


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class IdempotentForm(Form):
    """A money-moving form: its one-time key makes a double click or a retry act once."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_idempotency_key())

    def clean(self):
        data = super().clean()
        if not data.get("idempotency_key"):
            # A hidden field's error would be invisible: say it on the form, and give the
            # re-rendered form a fresh key so the next Confirm works.
            self.data = self.data.copy()
            self.data[self.add_prefix("idempotency_key")] = new_idempotency_key()
            raise forms.ValidationError(_("This form is out of date. Check it and confirm again."))
        return data
