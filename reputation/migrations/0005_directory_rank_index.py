from django.db import migrations

# The directory's freelancers in its order (reputation.selectors: FREELANCER_ROWS): the
# unsearched directory reads its page from this index. PostgreSQL only: SQLite cannot
# index NULLS LAST (its data is small).
INDEX = ("CREATE INDEX IF NOT EXISTS freelancers_by_rank ON marketplace_user "
         "(ranked_score DESC NULLS LAST, username) WHERE role = 'freelancer' AND is_active")


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS freelancers_by_rank")


class Migration(migrations.Migration):

    dependencies = [
        ('reputation', '0004_kept_ranks'),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
