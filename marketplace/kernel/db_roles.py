"""Two database roles on PostgreSQL: the owner runs the migrations, the app runs everything
else with only the privileges each model declares (`marketplace.kernel.db_privileges`).

DATABASE_URL is the app's connection, MIGRATE_DATABASE_URL the owner's (the same database; on
SQLite, and wherever one role is used, the two are equal and nothing here changes anything).
`manage.py migrate` switches to the owner for its run, and after it grants the app role its
privileges on every table (`grant_statements`, which `manage.py db_grants` prints).
"""

from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from .db_privileges import TABLE_PRIVILEGES, expected_grants

CREDENTIALS = ("USER", "PASSWORD")


def app_role() -> str:
    """The role the app connects as, when it is not the owner (PostgreSQL only); else ""."""
    return settings.DATABASE_APP_ROLE


@contextmanager
def as_owner(alias: str = "default"):
    """Run the block on the owner's connection (MIGRATE_DATABASE_URL), then go back."""
    connection = connections[alias]
    owner = settings.DATABASE_OWNER
    current = {key: connection.settings_dict.get(key) for key in CREDENTIALS}
    wanted = {key: owner.get(key) for key in CREDENTIALS}
    if alias != "default" or current == wanted:
        yield
        return
    for key in ("ENGINE", "NAME", "HOST", "PORT"):
        if (owner.get(key) or "") != (connection.settings_dict.get(key) or ""):
            raise ImproperlyConfigured(f"MIGRATE_DATABASE_URL must name the same database as "
                                       f"DATABASE_URL (its {key} differs).")
    connection.close()
    connection.settings_dict.update(wanted)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(current)


def _quote(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def grant_statements(role: str, using: str = "default") -> list[str]:
    """The SQL that gives `role` exactly its declared privileges (and takes back any other)."""
    connection = connections[using]
    q = lambda name: _quote(connection, name)  # noqa: E731
    existing = set(connection.introspection.table_names())
    statements = [f"GRANT USAGE ON SCHEMA public TO {q(role)}",
                  f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {q(role)}"]
    for table, privileges in sorted(expected_grants().items()):
        if table not in existing:
            continue
        statements.append(f"REVOKE ALL ON TABLE {q(table)} FROM {q(role)}")
        if privileges:
            ordered = ", ".join(p for p in TABLE_PRIVILEGES if p in privileges)
            statements.append(f"GRANT {ordered} ON TABLE {q(table)} TO {q(role)}")
    return statements


def role_exists(role: str, using: str = "default") -> bool:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone() is not None


def apply_grants(using: str = "default") -> list[str]:
    """After a migrate, as the owner: give the app role its privileges on every table."""
    connection = connections[using]
    role = app_role()
    if connection.vendor != "postgresql" or not role:
        return []
    if not role_exists(role, using):
        raise ImproperlyConfigured(
            f"The app's database role {role!r} (DATABASE_URL) does not exist: create it first "
            "(README, Configuration: the database roles).")
    statements = grant_statements(role, using)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return statements
