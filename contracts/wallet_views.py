"""The wallet page: balance, simulated deposit and withdrawal, and the statement."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts import selectors
from contracts.forms import AmountForm
from contracts.models import TransactionKind
from contracts.services.wallets import wallet_deposit, wallet_withdraw
from marketplace.kernel.errors import DomainError
from marketplace.kernel.money import format_money
from marketplace.kernel.services.onetime import remember_result, used_key
from marketplace.kernel.views_helpers import already_done


@login_required
def wallet(request, deposit_form=None, withdraw_form=None, status=200, confirm=None):
    has_wallet = request.user.role in ("client", "freelancer")
    shown = (selectors.wallet_page(request.user, request.GET.get("page")) if has_wallet
             else {"balance_cents": 0, "page": None, "lines": []})
    return render(request, "contracts/wallet.html", {
        **shown,
        "deposit_form": deposit_form or AmountForm(prefix="deposit"),
        "withdraw_form": withdraw_form or AmountForm(prefix="withdraw"),
        "has_wallet": has_wallet,
        "confirm": confirm,
    }, status=status)


REPEAT_WINDOW = timedelta(minutes=10)
ASK_AGAIN = {
    TransactionKind.DEPOSIT: _("You deposited %(amount)s at %(when)s. Deposit again?"),
    TransactionKind.WITHDRAWAL: _("You withdrew %(amount)s at %(when)s. Withdraw again?"),
}


def _move(request, prefix: str, kind: str, service, done: str):
    """Deposit or withdraw once. A repeat of the same form (same one-time key) changes
    nothing and says so; a second movement of the same amount within minutes, from a fresh
    form, is asked about first."""
    form = AmountForm(request.POST, prefix=prefix)
    if form.is_valid():
        key = form.cleaned_data["idempotency_key"]
        earlier = used_key(user=request.user, key=key)
        if earlier is not None:
            already_done(request, earlier.result_url)
            return redirect("contracts:wallet")
        cents = form.amount_cents()
        recent = (None if form.cleaned_data["confirm_repeat"] else
                  selectors.recent_same_movement(request.user, kind, cents, within=REPEAT_WINDOW))
        if recent is not None:
            return wallet(request, **{f"{prefix}_form": form}, confirm={
                "prefix": prefix, "form": form,
                "question": ASK_AGAIN[kind] % {
                    "amount": format_money(cents),
                    "when": timezone.localtime(recent.created_at).strftime("%H:%M")}})
        try:
            txn = service(actor=request.user, amount_cents=cents, idempotency_key=key)
        except DomainError as exc:
            form.add_error("amount", exc.message)
        else:
            if txn is None:  # the same key won a race with this request
                already_done(request, "")
            else:
                remember_result(user=request.user, key=key,
                                url=f"{reverse('contracts:wallet')}#txn-{txn.pk}")
                messages.success(request, done % {"amount": format_money(cents)})
            return redirect("contracts:wallet")
    forms = {f"{prefix}_form": form}
    return wallet(request, **forms, status=400)


@login_required
@require_POST
def deposit(request):
    return _move(request, "deposit", TransactionKind.DEPOSIT, wallet_deposit,
                 _("%(amount)s deposited into your wallet."))


@login_required
@require_POST
def withdraw(request):
    return _move(request, "withdraw", TransactionKind.WITHDRAWAL, wallet_withdraw,
                 _("%(amount)s withdrawn to your bank account (simulated)."))
