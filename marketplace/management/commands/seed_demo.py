"""Create the demo data set: people, contracts, cases at every stage (never in production)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from marketplace import demo
from marketplace.models import User

# Each app's seed(people) in dependency order; later issues append theirs.
SEEDERS = ["contracts.demo", "disputes.demo", "reputation.demo"]


class Command(BaseCommand):
    help = "Create believable demo data (users alice, bob, maya, arthur…; password demo-pass-123)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="Seed even when DEBUG is off (never on a real site).")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo creates known passwords; it runs only with DEBUG on "
                               "(or --force on a throwaway database).")
        if User.objects.filter(username="alice").exists():
            self.stdout.write("Demo data already present; nothing to do.")
            return
        from importlib import import_module

        # The demo's notifications stay in the app; mailing them to the console is noise.
        settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
        with transaction.atomic():
            people = demo.create_people()
            for dotted in SEEDERS:
                import_module(dotted).seed(people)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data created. Sign in as alice (client), bob (freelancer), maya (mediator) "
            f"or arthur (arbitrator) with password {demo.DEMO_PASSWORD}."
        ))
