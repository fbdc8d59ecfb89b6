# One-time form keys moved to the kernel (marketplace.IdempotencyKey): the table is kept and
# handed over by the kernel's migration 0004, which renames it.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0006_entry_verbose_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='IdempotencyKey')],
            database_operations=[],
        ),
    ]
