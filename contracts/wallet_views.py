"""The wallet page: balance, simulated deposit and withdrawal, and the statement."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts import selectors
from contracts.forms import AmountForm
from contracts.models import Account
from contracts.services.wallets import wallet_deposit, wallet_withdraw
from marketplace.kernel.errors import DomainError
from marketplace.kernel.money import format_money


def _balance(user) -> int:
    return (Account.objects.filter(kind="wallet", user=user)
            .values_list("balance_cents", flat=True).first() or 0)


@login_required
def wallet(request, deposit_form=None, withdraw_form=None, status=200):
    page = Paginator(selectors.wallet_statement(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "contracts/wallet.html", {
        "balance_cents": _balance(request.user),
        "deposit_form": deposit_form or AmountForm(prefix="deposit"),
        "withdraw_form": withdraw_form or AmountForm(prefix="withdraw"),
        "page": page,
        "has_wallet": request.user.role in ("client", "freelancer"),
    }, status=status)


def _move(request, prefix: str, service, done: str):
    form = AmountForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            txn = service(actor=request.user, amount_cents=form.amount_cents(),
                          idempotency_key=form.cleaned_data["idempotency_key"])
        except DomainError as exc:
            form.add_error("amount", exc.message)
        else:
            if txn is None:
                messages.info(request, _("This was already done; nothing was repeated."))
            else:
                messages.success(request, done % {"amount": format_money(form.amount_cents())})
            return redirect("contracts:wallet")
    forms = {f"{prefix}_form": form}
    return wallet(request, **forms, status=400)


@login_required
@require_POST
def deposit(request):
    return _move(request, "deposit", wallet_deposit, _("%(amount)s deposited into your wallet."))


@login_required
@require_POST
def withdraw(request):
    return _move(request, "withdraw", wallet_withdraw,
                 _("%(amount)s withdrawn to your bank account (simulated)."))
