"""Forms: the shape of input for offers, answers and messages (rules live in the services)."""

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from marketplace.kernel.forms import IdempotentForm
from marketplace.kernel.input import Form, MoneyField
from marketplace.kernel.money import to_cents


class OfferForm(Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Scope of work"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20_000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class MilestoneForm(Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    amount = MoneyField(label=_("Amount (USD)"))
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def amount_cents(self) -> int:
        return to_cents(self.cleaned_data["amount"])


class BaseMilestoneFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        filled = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not filled:
            raise forms.ValidationError(_("Add at least one milestone."))


# absolute_max: however many forms a POST claims (milestones-TOTAL_FORMS=100000), at most 20
# are built and rendered; more is a form error, not a 2 MB page.
MilestoneFormSet = forms.formset_factory(
    MilestoneForm, formset=BaseMilestoneFormSet, extra=1, max_num=20, validate_max=True,
    absolute_max=20,
)


class DeclineOfferForm(Form):
    reason = forms.CharField(
        label=_("Reason (optional, shown to the client)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern), at most
    ATTACHMENTS_PER_MESSAGE: with the size of each, that bounds the largest request."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > settings.ATTACHMENTS_PER_MESSAGE:
            raise forms.ValidationError(
                _("Attach at most %(count)s files at a time.")
                % {"count": settings.ATTACHMENTS_PER_MESSAGE}, code="too_many_files")
        return [single(d, initial) for d in files]


class MessageForm(Form):
    body = forms.CharField(
        label=_("Message"), required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Write to the other party…")}),
    )
    files = MultipleFileField(
        label=_("Attachments"), required=False,
        help_text=_("PDF, PNG, JPEG or plain text: up to %(count)s files of up to %(mb)s MB each.")
        % {"mb": settings.ATTACHMENT_MAX_MB, "count": settings.ATTACHMENTS_PER_MESSAGE},
    )

    def clean(self):
        data = super().clean()
        if not data.get("body", "").strip() and not data.get("files"):
            raise forms.ValidationError(_("Write a message or attach a file."))
        return data


class AmountForm(IdempotentForm):
    amount = MoneyField(label=_("Amount (USD)"))
    # Set when the user confirmed a second movement of the same amount within minutes.
    confirm_repeat = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def amount_cents(self) -> int:
        return to_cents(self.cleaned_data["amount"])


class SubmitMilestoneForm(Form):
    note = forms.CharField(
        label=_("Delivery note (optional)"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say what you delivered and where to find it; attach files on the thread."),
    )


class RequestChangesForm(Form):
    reason = forms.CharField(
        label=_("What needs to change"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ReportForm(Form):
    reason = forms.CharField(
        label=_("What is abusive about this message?"), min_length=10, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A mediator reads the message with the few messages around it and decides; "
                    "you are told the outcome."))


class DecisionForm(Form):
    reason = forms.CharField(label=_("Reason (the parties read it)"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 3}))
