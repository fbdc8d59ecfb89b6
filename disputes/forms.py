"""Forms for cancellation requests and disputes: the shape of input; the rules are services'."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from contracts.forms import MultipleFileField
from disputes.policy import Fault, reasons_for
from marketplace.kernel.clauses import clause_choices
from marketplace.kernel.forms import IdempotentForm
from marketplace.kernel.input import Form, MoneyField
from marketplace.kernel.money import format_money, to_cents

FAULT_WORDS = {"client": _("the client"), "freelancer": _("the freelancer"), "none": _("no fault")}


class TermsFields(Form):
    """Amount of the escrow to the freelancer, and whose fault the ending is."""

    amount = MoneyField(label=_("Amount of the escrow to the freelancer (USD)"),
                        min_value=Decimal("0"))
    fault = forms.ChoiceField(label=_("Whose fault is the ending?"), choices=Fault.choices)

    def __init__(self, *args, escrow_cents: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.escrow_cents = escrow_cents
        self.fields["amount"].help_text = _(
            "Between $0.00 and the %(escrow)s in escrow. The rest goes back to the client; the "
            "platform keeps %(fee)s%% of the freelancer's share."
        ) % {"escrow": format_money(escrow_cents), "fee": settings.PLATFORM_FEE_PERCENT}
        self.fields["amount"].widget.attrs.update({
            "data-escrow-cents": escrow_cents, "data-fee-percent": settings.PLATFORM_FEE_PERCENT,
            "data-terms-preview": "1",
        })

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is None:  # optional when the outcome is "continue"; clean() checks "cancel"
            return amount
        if to_cents(amount) > self.escrow_cents:
            raise forms.ValidationError(
                _("At most the %(escrow)s in escrow.") % {"escrow": format_money(self.escrow_cents)})
        return amount

    def amount_cents(self) -> int:
        return to_cents(self.cleaned_data["amount"])


class CancellationRequestForm(TermsFields):
    reason = forms.ChoiceField(label=_("Reason"))
    explanation = forms.CharField(
        label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000,
        min_length=settings.CANCELLATION_MIN_EXPLANATION,
        help_text=_("At least %(n)s characters. The other party, and a mediator if it ever "
                    "comes to that, will read it.") % {"n": settings.CANCELLATION_MIN_EXPLANATION},
    )
    field_order = ["reason", "explanation", "amount", "fault"]

    def __init__(self, *args, role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "—")] + [
            (r.code, f"{r.label} (default fault: {FAULT_WORDS[r.default_fault]})")
            for r in reasons_for(role)
        ]
        self.fields["reason"].widget.attrs["data-default-faults"] = ",".join(
            f"{r.code}:{r.default_fault}" for r in reasons_for(role))
        # No fault is pre-selected: the reason suggests one (script), the sender confirms it.
        self.fields["fault"].choices = [("", "—"), *list(Fault.choices)]
        self.fields["fault"].help_text = _("Suggested by the reason you choose; change it if "
                                           "you think otherwise.")


class CounterProposalForm(TermsFields):
    message = forms.CharField(label=_("Why these terms?"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class AcceptTermsForm(IdempotentForm):
    """Accepting moves money (the settlement), so the form carries a one-time key."""


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 4}))


class OutcomeFields(TermsFields):
    """An outcome (cancel or continue), the split of the escrow for "cancel", and the fault."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=[
        ("cancel", _("Cancel the contract and divide the escrow")),
        ("continue", _("Continue the contract (no money moves)")),
    ], widget=forms.RadioSelect)
    field_order = ["outcome", "amount", "fault"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].required = False
        self.fields["amount"].label = _("Amount of the escrow to the freelancer, if cancelled")
        # Nobody's fault is pre-selected: whoever proposes or decides picks it, on purpose.
        self.fields["fault"].choices = [("", _("— choose —")), *list(Fault.choices)]

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "cancel" and data.get("amount") is None:
            self.add_error("amount", _("Say how much of the escrow goes to the freelancer."))
        return data

    def amount_cents(self) -> int:
        amount = self.cleaned_data.get("amount")
        return to_cents(amount) if amount is not None else 0


class SettlementOfferForm(OutcomeFields):
    message = forms.CharField(label=_("Message (optional)"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ReasonedOutcomeForm(OutcomeFields):
    """A mediator's proposal or an arbitrator's decision: the parties see the reasoning."""

    findings = forms.CharField(label=_("Findings"), max_length=10_000, min_length=20,
                               widget=forms.Textarea(attrs={"rows": 6}),
                               help_text=_("What you found in the record; the parties read this."))
    policy_clause = forms.ChoiceField(
        label=_("Policy clause relied on"),
        choices=lambda: [("", "—"), *clause_choices()],
        help_text=_("The parties see it with a link to the clause on the policy page."))


class ExtendDeadlineForm(Form):
    until = forms.DateTimeField(label=_("New deadline (in your time zone)"),
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(label=_("Reason (shown to the parties)"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class EvidenceForm(Form):
    note = forms.CharField(label=_("What this shows"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(label=_("Evidence files"),
                              help_text=_("PDF, PNG, JPEG or plain text: up to %(count)s "
                                          "files of up to %(mb)s MB each.")
                              % {"mb": settings.ATTACHMENT_MAX_MB,
                                 "count": settings.ATTACHMENTS_PER_MESSAGE})


class DecisionForm(IdempotentForm, ReasonedOutcomeForm):
    """An arbitrator's decision moves money at once: the form carries a one-time key."""
