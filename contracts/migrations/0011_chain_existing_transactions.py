# Chain the ledger transactions written before the chain existed, in the order they were
# written (id order: ids were taken under the accounts' locks), and give each deposit or
# withdrawal among them its row under a "legacy-" reference and key (the real ones were
# never kept). Then every transaction has its number.

from django.db import migrations

from contracts.ledger_chain import GENESIS_HASH, Leg, account_label, transaction_hash
from marketplace.kernel.db_triggers import trigger_name


def _drop_append_only_trigger(schema_editor, table):
    # Triggers are recreated after every migrate (marketplace.kernel.signals).
    quoted = schema_editor.quote_name(trigger_name(table))
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {quoted} ON {schema_editor.quote_name(table)}")
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {quoted}")


def chain_existing_transactions(apps, schema_editor):
    LedgerTransaction = apps.get_model("contracts", "LedgerTransaction")
    Entry = apps.get_model("contracts", "Entry")
    LedgerHead = apps.get_model("contracts", "LedgerHead")
    movements = {"deposit": apps.get_model("contracts", "Deposit"),
                 "withdrawal": apps.get_model("contracts", "Withdrawal")}
    if not LedgerTransaction.objects.exists():
        return
    _drop_append_only_trigger(schema_editor, LedgerTransaction._meta.db_table)
    seq, prev = 0, GENESIS_HASH
    for txn in LedgerTransaction.objects.order_by("id").iterator(chunk_size=2000):
        entries = list(Entry.objects.filter(transaction_id=txn.pk).values_list(
            "account__kind", "account__user_id", "account__contract_id", "amount_cents",
            "balance_after_cents"))
        seq += 1
        txn.seq, txn.prev_hash = seq, prev
        movement = movements.get(txn.kind)
        if movement is not None:
            txn.idempotency_key = f"legacy-{txn.pk}"
            owner = next(user for kind, user, _c, _a, _b in entries if kind == "wallet")
            amount = next(abs(a) for kind, _u, _c, a, _b in entries if kind == "external")
            movement.objects.create(user_id=owner, amount_cents=amount, transaction_id=txn.pk,
                                    idempotency_key=txn.idempotency_key,
                                    provider_reference=f"legacy-{txn.kind}-{txn.pk}",
                                    created_at=txn.created_at)
        txn.hash = transaction_hash(
            seq=seq, prev_hash=prev, kind=txn.kind, created_at=txn.created_at, memo=txn.memo,
            contract_id=txn.contract_id, milestone_id=txn.milestone_id,
            initiated_by_id=txn.initiated_by_id, idempotency_key=txn.idempotency_key,
            legs=[Leg(account_label(kind, user, contract), amount, after)
                  for kind, user, contract, amount, after in entries])
        LedgerTransaction.objects.filter(pk=txn.pk).update(
            seq=txn.seq, prev_hash=txn.prev_hash, hash=txn.hash,
            idempotency_key=txn.idempotency_key)
        prev = txn.hash
    LedgerHead.objects.update_or_create(pk=1, defaults={"seq": seq, "hash": prev})




class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0010_ledger_chain_and_payments'),
    ]

    operations = [
        migrations.RunPython(chain_existing_transactions, migrations.RunPython.noop),
    ]
