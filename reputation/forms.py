"""Forms for feedback, replies, jobs and applications."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.kernel.input import Form, MoneyField
from marketplace.kernel.money import to_cents

STARS = [(i, "★" * i + "☆" * (5 - i)) for i in range(5, 0, -1)]


def stars(label):
    return forms.TypedChoiceField(label=label, choices=STARS, coerce=int,
                                  widget=forms.RadioSelect)


class FeedbackForm(Form):
    rating = stars(_("Overall"))
    communication = stars(_("Communication"))
    quality_or_clarity = stars(_("Quality of the work"))
    professionalism = stars(_("Professionalism"))
    comment = forms.CharField(label=_("Public comment"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    explained_clearly = forms.TypedChoiceField(
        label=_("Did the client explain the cancellation clearly and respectfully?"),
        choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda v: v == "yes",
        widget=forms.RadioSelect)

    def __init__(self, *args, author_role: str, ask_explained: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if author_role == "freelancer":
            self.fields["quality_or_clarity"].label = _("Clarity of the brief")
        if not ask_explained:
            del self.fields["explained_clearly"]


class ReplyForm(Form):
    reply = forms.CharField(label=_("Your public reply"), max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 3}))


class JobForm(Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=20_000,
                                  widget=forms.Textarea(attrs={"rows": 6}))
    skills = forms.CharField(label=_("Skills"), max_length=300, required=False,
                             help_text=_("Comma-separated, e.g. Django, SQL"))
    budget = MoneyField(label=_("Budget (USD)"), min_value=Decimal("1"))

    def budget_cents(self) -> int:
        return to_cents(self.cleaned_data["budget"])


class ApplicationForm(Form):
    cover_note = forms.CharField(label=_("Cover note"), max_length=5000,
                                 widget=forms.Textarea(attrs={"rows": 5}))
    price = MoneyField(label=_("Your price (USD)"), min_value=Decimal("1"))

    def price_cents(self) -> int:
        return to_cents(self.cleaned_data["price"])


class SearchForm(Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
