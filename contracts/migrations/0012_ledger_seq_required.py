# Every transaction is numbered now (0009): the number becomes required.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0011_chain_existing_transactions'),
    ]

    operations = [
        migrations.AlterField(
            model_name='ledgertransaction',
            name='seq',
            field=models.PositiveBigIntegerField(unique=True),
        ),
    ]
