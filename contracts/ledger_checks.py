"""The ledger's invariants, each proved with one aggregate query; used by `check_ledger`
and after every test."""

from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from contracts.models import Contract
from contracts.models.ledger import Account, AccountKind, Entry, LedgerTransaction
from marketplace.kernel.money import format_money

ESCROW_STATES = ("funded", "submitted")


def unbalanced_transactions() -> list[str]:
    rows = (LedgerTransaction.objects.annotate(total=Coalesce(Sum("entries__amount_cents"), Value(0)))
            .exclude(total=0).values_list("pk", "kind", "total")[:50])
    problems = [f"transaction #{pk} ({kind}) sums to {total} cents, not zero"
                for pk, kind, total in rows]
    empty = LedgerTransaction.objects.filter(entries__isnull=True).values_list("pk", flat=True)[:50]
    problems += [f"transaction #{pk} has no entries" for pk in empty]
    return problems


def _entry_sum():
    return Coalesce(
        Subquery(Entry.objects.filter(account=OuterRef("pk")).values("account")
                 .annotate(s=Sum("amount_cents")).values("s")[:1]),
        Value(0),
    )


def balances_below_zero_or_drifted() -> list[str]:
    problems = []
    accounts = Account.objects.annotate(entries_total=_entry_sum()).filter(
        (~Q(kind=AccountKind.EXTERNAL) & (Q(balance_cents__lt=0) | Q(entries_total__lt=0)))
        | (Q(kind__in=[AccountKind.WALLET, AccountKind.ESCROW]) & ~Q(balance_cents=F("entries_total")))
    ).select_related("user")[:50]
    for account in accounts:
        lowest = min(account.balance_cents, account.entries_total)
        if account.kind != AccountKind.EXTERNAL and lowest < 0:
            problems.append(f"{account} is below zero ({format_money(lowest)})")
        if account.kind in (AccountKind.WALLET, AccountKind.ESCROW) and account.balance_cents != account.entries_total:
            problems.append(f"{account} shows {format_money(account.balance_cents)} but its entries "
                            f"total {format_money(account.entries_total)}")
    return problems


def escrow_mismatches() -> list[str]:
    held = Coalesce(Subquery(
        Account.objects.filter(kind=AccountKind.ESCROW, contract=OuterRef("pk")).values("balance_cents")[:1]
    ), Value(0))
    owed = Coalesce(Sum("milestones__amount_cents", filter=Q(milestones__state__in=ESCROW_STATES)), Value(0))
    rows = (Contract.objects.annotate(held=held, owed=owed).exclude(held=F("owed"))
            .values_list("pk", "held", "owed")[:50])
    return [f"escrow of contract #{pk} holds {format_money(h)} but its funded and submitted "
            f"milestones total {format_money(o)}" for pk, h, o in rows]


def ledger_problems() -> list[str]:
    return unbalanced_transactions() + balances_below_zero_or_drifted() + escrow_mismatches()
