# One-time form keys belong to the kernel: take over the contracts app's table, then give it
# the kernel's own name (the rows, their constraint and index stay as they are).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('marketplace', '0003_search_text_index'),
        ('contracts', '0007_idempotencykey_to_kernel'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='IdempotencyKey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=64)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('result_url', models.CharField(blank=True, max_length=300)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={'db_table': 'contracts_idempotencykey'},
                ),
                migrations.AddConstraint(
                    model_name='idempotencykey',
                    constraint=models.UniqueConstraint(fields=('user', 'key'), name='idempotency_key_once_per_user'),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='idempotencykey', table=None),
    ]
