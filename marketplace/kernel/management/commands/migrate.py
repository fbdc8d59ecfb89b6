"""`migrate` as the owner of the tables: Django's own command, run on MIGRATE_DATABASE_URL's
role (the app connects with fewer rights and could not create or alter a table). After it,
the post-migrate handler grants the app role its declared privileges."""

from django.core.management.commands import migrate

from marketplace.kernel.db_roles import as_owner


class Command(migrate.Command):
    help = migrate.Command.help + " Runs as the owner role (MIGRATE_DATABASE_URL)."

    def handle(self, *args, **options):
        with as_owner(options["database"]):
            return super().handle(*args, **options)
