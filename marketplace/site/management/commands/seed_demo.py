"""Create the demo data set: people, contracts, cases at every stage (never in production)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from contracts import demo as contracts_demo
from disputes import demo as disputes_demo
from marketplace.kernel import demo
from marketplace.kernel.mail.delivery import discard_pending_mail
from marketplace.kernel.models import User
from reputation import demo as reputation_demo

# Each app's seed(people), lower layers first (a case needs its contract).
SEEDERS = [contracts_demo.seed, disputes_demo.seed, reputation_demo.seed]


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
        with transaction.atomic():
            people = demo.create_people()
            for seed in SEEDERS:
                seed(people)
            # The demo's notifications stay in the app; mailing them to the console is noise.
            discard_pending_mail(why="demo data: notified in the app only")
        self.stdout.write(self.style.SUCCESS(
            f"Demo data created. Sign in as alice (client), bob (freelancer), maya (mediator) "
            f"or arthur (arbitrator) with password {demo.DEMO_PASSWORD}; staff then type the "
            f"code `manage.py demo_totp` prints."
        ))
