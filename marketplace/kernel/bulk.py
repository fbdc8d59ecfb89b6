"""Writing many already-validated rows at once, for the clock's batches.

Django's bulk_update builds one CASE expression per field and row, which costs more Python
time than the database work it saves. On PostgreSQL a single UPDATE ... FROM (VALUES ...)
does the same; elsewhere bulk_update is used. Callers have locked the rows and run each
row's state transition (with its guards) before persisting the result here.
"""

from django.db import connection


def update_rows(model, objs: list, fields: list[str]) -> None:
    """Persist `fields` of `objs` (each locked by the caller) in one statement."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, fields)
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    pk = meta.pk
    casts = [f"%s::{pk.db_type(connection)}"] + [f"%s::{f.db_type(connection)}" for f in columns]
    row = "(" + ", ".join(casts) + ")"
    params = []
    for obj in objs:
        params.append(pk.get_db_prep_value(obj.pk, connection))
        for field in columns:
            params.append(field.get_db_prep_save(getattr(obj, field.attname), connection))
    names = ", ".join([pk.column] + [f.column for f in columns])
    assignments = ", ".join(f'"{f.column}" = v."{f.column}"' for f in columns)
    # Identifiers come from the model; every value is a query parameter.
    sql = (f'UPDATE "{meta.db_table}" SET {assignments} FROM (VALUES '  # noqa: S608
           f"{', '.join([row] * len(objs))}) AS v({names}) "
           f'WHERE "{meta.db_table}"."{pk.column}" = v."{pk.column}"')
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
