"""What the application's database role may do to each table, declared per model.

On PostgreSQL the tables belong to an owner role that runs the migrations; the web app and the
sweeper connect as another role (DATABASE_URL) that holds only these privileges: no DDL, no
TRUNCATE, nothing on sequences, and no UPDATE or DELETE where rows are append-only, so the
role the app uses cannot drop the triggers, rewrite the record or the ledger, or empty a table.

Every model declares its policy with a class attribute `db_privileges` (append-only models
inherit theirs); models of Django and allauth are declared below. A table without a
declaration gets nothing, and the tests name it.
"""

from django.apps import apps
from django.conf import settings

READ_ONLY = frozenset({"SELECT"})
# Rows are written once and never changed or removed: the record, the ledger, messages.
APPEND_ONLY = frozenset({"SELECT", "INSERT"})
# Rows change (states, heads, balances) but are never removed: contracts, accounts, cases.
KEPT = frozenset({"SELECT", "INSERT", "UPDATE"})
# Rows that come and go: sessions, links between rows, rebuilt tables.
DISPOSABLE = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})

# Every privilege a table can carry in PostgreSQL: all of them are checked, not only these four.
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")

# Models of Django and allauth, by label (their classes are not ours to annotate).
FRAMEWORK_MODELS = {
    "admin.LogEntry": APPEND_ONLY,  # the admin's own history
    "auth.Permission": READ_ONLY,  # written by migrate (as the owner)
    "auth.Group": DISPOSABLE,  # superusers manage groups in the admin
    "auth.Group_permissions": DISPOSABLE,
    "contenttypes.ContentType": READ_ONLY,  # written by migrate
    "sessions.Session": DISPOSABLE,  # logout and account closure delete sessions
    "account.EmailAddress": DISPOSABLE,  # users remove addresses; closure deletes them
    "account.EmailConfirmation": DISPOSABLE,
    "marketplace.User_groups": DISPOSABLE,  # group membership, managed in the admin
    "marketplace.User_user_permissions": DISPOSABLE,
    "mfa.Authenticator": DISPOSABLE,  # people turn their second factor on and off
    # The mail queue's tasks: workers claim and finish them, the pruner deletes old results.
    "django_tasks_database.DBTaskResult": DISPOSABLE,
}

# Tables that belong to no model.
OTHER_TABLES = {
    "django_migrations": READ_ONLY,  # the app checks for unapplied migrations
}


def declared_privileges(model) -> frozenset | None:
    return FRAMEWORK_MODELS.get(model._meta.label, getattr(model, "db_privileges", None))


def table_models() -> list:
    """Every concrete model that has a table of its own, many-to-many links included."""
    return [model for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy and not model._meta.swapped]


def expected_grants() -> dict[str, frozenset | None]:
    """Each table's privileges for the app role; None for a table nobody declared."""
    grants = {model._meta.db_table: declared_privileges(model) for model in table_models()}
    grants.update(OTHER_TABLES)
    grants.update(dict.fromkeys(extra_tables(), DISPOSABLE))
    return grants


def extra_tables() -> list[str]:
    """Tables a setting names, such as the database cache of the rate limits."""
    return [cache["LOCATION"] for cache in settings.CACHES.values()
            if cache["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"]


def undeclared() -> list[str]:
    return sorted(f"{model._meta.label} (table {model._meta.db_table})"
                  for model in table_models() if declared_privileges(model) is None)
