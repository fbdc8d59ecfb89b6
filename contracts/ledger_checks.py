"""The ledger's invariants, each proved by a query or a streamed pass; used by `check_ledger`
and after every test. Each check returns what it found wrong, in words, naming the rows."""

from itertools import groupby

from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce

from contracts.ledger_chain import LedgerBreak, Leg, account_label, walk_chain
from contracts.models import Contract, Milestone, Settlement
from contracts.models.ledger import (
    Account,
    AccountKind,
    Entry,
    LedgerHead,
    LedgerTransaction,
    TransactionKind,
)
from contracts.models.payments import Deposit, Withdrawal
from marketplace.kernel.money import format_money

ESCROW_STATES = ("funded", "submitted")
TRACKED = (AccountKind.WALLET, AccountKind.ESCROW)
LIMIT = 50  # problems named per check; more of the same add nothing to the diagnosis


def unbalanced_transactions() -> list[str]:
    rows = (LedgerTransaction.objects.annotate(total=Coalesce(Sum("entries__amount_cents"), Value(0)))
            .exclude(total=0).values_list("seq", "kind", "total")[:LIMIT])
    problems = [f"transaction #{seq} ({kind}) sums to {total} cents, not zero"
                for seq, kind, total in rows]
    empty = LedgerTransaction.objects.filter(entries__isnull=True).values_list("seq", flat=True)[:LIMIT]
    problems += [f"transaction #{seq} has no entries" for seq in empty]
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
        | (Q(kind__in=TRACKED) & ~Q(balance_cents=F("entries_total")))
    ).select_related("user")[:LIMIT]
    for account in accounts:
        lowest = min(account.balance_cents, account.entries_total)
        if account.kind != AccountKind.EXTERNAL and lowest < 0:
            problems.append(f"{account} is below zero ({format_money(lowest)})")
        if account.kind in TRACKED and account.balance_cents != account.entries_total:
            problems.append(f"{account} shows {format_money(account.balance_cents)} but its entries "
                            f"total {format_money(account.entries_total)}")
    return problems


def running_balances_wrong() -> list[str]:
    """Every wallet and escrow entry's `balance_after` is the sum of that account's entries
    up to it, in the order the ledger chain wrote them."""
    running = Window(Sum("amount_cents"), partition_by=[F("account_id")],
                     order_by=[F("transaction__seq").asc(), F("id").asc()])
    rows = (Entry.objects.filter(account__kind__in=TRACKED).annotate(running=running)
            .filter(Q(balance_after_cents__isnull=True) | ~Q(balance_after_cents=F("running")))
            .select_related("account__user", "transaction")[:LIMIT])
    return [f"entry #{e.pk} of {e.account} (transaction #{e.transaction.seq}) says the balance "
            f"after it was {format_money(e.balance_after_cents)}, but the entries up to it total "
            f"{format_money(e.running)}" for e in rows]


def fees_unexplained() -> list[str]:
    """The platform fees account holds exactly the fees that settlements and releases charged."""
    held = (Entry.objects.filter(account__kind=AccountKind.FEES)
            .aggregate(s=Coalesce(Sum("amount_cents"), Value(0)))["s"])
    charged = (Settlement.objects.aggregate(s=Coalesce(Sum("fee_cents"), Value(0)))["s"]
               + Milestone.objects.filter(state="released")
               .aggregate(s=Coalesce(Sum("fee_cents"), Value(0)))["s"])
    if held == charged:
        return []
    return [f"the platform fees account holds {format_money(held)} but settlements and releases "
            f"charged {format_money(charged)} in fees"]


def external_movements_unmatched() -> list[str]:
    """Every movement of the `external` account is a deposit or withdrawal with its own row,
    of the same amount and one-time key, for the wallet the money went to or came from."""
    problems = []
    legs = (Entry.objects.filter(account__kind=AccountKind.EXTERNAL)
            .values_list("transaction__seq", "transaction__kind", "amount_cents",
                         "transaction__idempotency_key", "transaction__deposit__amount_cents",
                         "transaction__deposit__idempotency_key",
                         "transaction__withdrawal__amount_cents",
                         "transaction__withdrawal__idempotency_key")
            .order_by("transaction__seq"))
    for seq, kind, cents, key, d_cents, d_key, w_cents, w_key in legs.iterator(chunk_size=2000):
        if kind == TransactionKind.DEPOSIT:
            row, row_cents, row_key, expected = "deposit", d_cents, d_key, -cents
        elif kind == TransactionKind.WITHDRAWAL:
            row, row_cents, row_key, expected = "withdrawal", w_cents, w_key, cents
        else:
            problems.append(f"transaction #{seq} ({kind}) moves {format_money(abs(cents))} "
                            "across the platform's edge, which only deposits and withdrawals do")
            continue
        if row_cents is None:
            problems.append(f"transaction #{seq} moves {format_money(abs(cents))} as a {row} "
                            f"but has no {row} row")
        elif row_cents != expected or row_key != key:
            problems.append(f"transaction #{seq} ({row} of {format_money(expected)}, key {key!r}) "
                            f"does not match its {row} row ({format_money(row_cents)}, key "
                            f"{row_key!r})")
        if len(problems) >= LIMIT:
            break
    for model, kind, sign in ((Deposit, TransactionKind.DEPOSIT, 1),
                              (Withdrawal, TransactionKind.WITHDRAWAL, -1)):
        wallet_leg = Entry.objects.filter(transaction=OuterRef("transaction"),
                                          account__kind=AccountKind.WALLET,
                                          account__user=OuterRef("user"))
        rows = model.objects.filter(
            ~Q(transaction__kind=kind)
            | ~Exists(wallet_leg.filter(amount_cents=sign * OuterRef("amount_cents")))
        ).values_list("provider_reference", "transaction__seq")[:LIMIT]
        problems += [f"{model._meta.verbose_name} {ref} does not match its transaction #{seq} "
                     "(kind, wallet or amount differ)" for ref, seq in rows]
    return problems


def escrow_mismatches() -> list[str]:
    held = Coalesce(Subquery(
        Account.objects.filter(kind=AccountKind.ESCROW, contract=OuterRef("pk")).values("balance_cents")[:1]
    ), Value(0))
    owed = Coalesce(Sum("milestones__amount_cents", filter=Q(milestones__state__in=ESCROW_STATES)), Value(0))
    rows = (Contract.objects.annotate(held=held, owed=owed).exclude(held=F("owed"))
            .values_list("pk", "held", "owed")[:LIMIT])
    return [f"escrow of contract #{pk} holds {format_money(h)} but its funded and submitted "
            f"milestones total {format_money(o)}" for pk, h, o in rows]


def chained_transactions():
    """Every transaction with its legs, in chain order, read in two streams side by side."""
    txns = LedgerTransaction.objects.order_by("seq").iterator(chunk_size=2000)
    legs = (Entry.objects.order_by("transaction__seq", "id")
            .values_list("transaction__seq", "account__kind", "account__user_id",
                         "account__contract_id", "amount_cents", "balance_after_cents")
            .iterator(chunk_size=5000))
    grouped = groupby(legs, key=lambda row: row[0])
    pending = next(grouped, None)
    for txn in txns:
        while pending is not None and pending[0] < txn.seq:
            pending = next(grouped, None)
        rows = []
        if pending is not None and pending[0] == txn.seq:
            rows = list(pending[1])
            pending = next(grouped, None)
        yield txn.chained(Leg(account_label(kind, user, contract), cents, after)
                          for _seq, kind, user, contract, cents, after in rows)


def ledger_head() -> tuple[int, str]:
    head = LedgerHead.objects.filter(pk=1).values_list("seq", "hash").first()
    return head or (0, "")


def chain_break(on_link=None) -> LedgerBreak | None:
    return walk_chain(chained_transactions(), ledger_head(), on_link=on_link)


def chain_broken() -> list[str]:
    found = chain_break()
    return [str(found)] if found else []


CHECKS = [unbalanced_transactions, balances_below_zero_or_drifted, running_balances_wrong,
          fees_unexplained, external_movements_unmatched, escrow_mismatches, chain_broken]


def ledger_problems() -> list[str]:
    return [problem for check in CHECKS for problem in check()]
