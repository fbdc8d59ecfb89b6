"""AppendOnlyModel: rows that are written once and never changed or removed.

The model refuses here; the database refuses too (triggers installed after every migrate, see
`marketplace.kernel.db_triggers`), so a raw UPDATE behind the application's back fails as well.
"""

from django.db import models

from ..db_privileges import APPEND_ONLY


class AppendOnlyError(Exception):
    pass


class AppendOnlyModel(models.Model):
    # The database role of the app may read and insert, never update or delete.
    db_privileges = APPEND_ONLY

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only and cannot change.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only and cannot be deleted.")
