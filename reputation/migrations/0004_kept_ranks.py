from django.conf import settings
from django.db import migrations, models

# The open jobs in the job board's order (reputation.selectors): the board reads its page
# from this index. PostgreSQL only: SQLite cannot index NULLS LAST (its data is small).
INDEX = ("CREATE INDEX IF NOT EXISTS open_jobs_by_rank ON reputation_job "
         "(client_score DESC NULLS LAST, created_at DESC, id DESC) WHERE state = 'open'")


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS open_jobs_by_rank")


class Migration(migrations.Migration):

    dependencies = [
        ('reputation', '0003_job_client_reputation'),
        ('marketplace', '0007_kept_ranks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='job',
            name='client_score',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(create_index, drop_index),
    ]
