"""Fill the directory's search text, and index it for "contains" searches on PostgreSQL."""

from django.db import migrations


def fill(apps, schema_editor):
    User = apps.get_model("marketplace", "User")
    for user in User.objects.all().iterator():
        user.search_text = " ".join([user.username, user.first_name, user.last_name,
                                     user.headline, user.skills, user.bio]).lower()
        user.save(update_fields=["search_text"])


def index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite scans; it is the development database
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS user_search_text_trgm ON marketplace_user "
        "USING gin (search_text gin_trgm_ops)")


def unindex(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS user_search_text_trgm")


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0002_user_search_text")]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(index, unindex),
    ]
