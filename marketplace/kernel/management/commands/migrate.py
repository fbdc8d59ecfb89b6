"""`migrate` as the owner of the tables: Django's own command, run on MIGRATE_DATABASE_URL's
role (the app connects with fewer rights and could not create or alter a table). It creates
the database cache table of the throttles first (when they are kept in the database), so the
post-migrate handler's grants to the app role cover it too."""

from django.core.management import call_command
from django.core.management.commands import migrate

from marketplace.kernel.db_roles import as_owner


class Command(migrate.Command):
    help = migrate.Command.help + " Runs as the owner role (MIGRATE_DATABASE_URL)."

    def handle(self, *args, **options):
        with as_owner(options["database"]):
            if not (options["plan"] or options["check_unapplied"]):
                call_command("createcachetable", database=options["database"], verbosity=0)
            return super().handle(*args, **options)
