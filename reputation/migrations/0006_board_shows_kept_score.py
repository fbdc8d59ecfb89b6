from django.db import migrations


class Migration(migrations.Migration):
    """The board shows the client's kept score (Job.client_score), so the join it read the
    score through goes. It had no column: only the project state changes (SQLite's schema
    editor cannot remove a column-less relation)."""

    dependencies = [
        ('reputation', '0005_directory_rank_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name='job', name='client_reputation')],
            database_operations=[],
        ),
    ]
