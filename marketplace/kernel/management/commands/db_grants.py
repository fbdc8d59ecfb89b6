"""Print the SQL that gives the app's database role exactly the privileges its models declare
(what `migrate` applies on PostgreSQL), for review or to apply by hand."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from marketplace.kernel.db_privileges import undeclared
from marketplace.kernel.db_roles import app_role, as_owner, grant_statements


class Command(BaseCommand):
    help = ("Print the GRANT statements for the app's database role (DATABASE_URL's user, or "
            "--role): per table, only what its model declares; nothing on sequences.")

    def add_arguments(self, parser):
        parser.add_argument("--role", help="the role to grant to (default: DATABASE_URL's user)")

    def handle(self, *args, **options):
        role = options["role"] or app_role()
        if not role:
            raise CommandError("No separate app role: DATABASE_URL and MIGRATE_DATABASE_URL use "
                               "the same role (or SQLite). Pass --role NAME to print the grants.")
        with as_owner():
            connection = connections["default"]
            if connection.vendor != "postgresql":
                raise CommandError("Database roles exist on PostgreSQL only.")
            statements = grant_statements(role)
            name = connection.settings_dict["NAME"]
        self.stdout.write(f"-- Privileges of {role!r} in database {name!r}; run as the owner "
                          "of the tables (manage.py migrate applies them).")
        self.stdout.write(f'GRANT CONNECT ON DATABASE "{name}" TO "{role}";')
        for statement in statements:
            self.stdout.write(statement + ";")
        missing = undeclared()
        if missing:
            self.stderr.write("These models declare no db_privileges, so the app role gets "
                              "nothing on their tables: " + ", ".join(missing))
