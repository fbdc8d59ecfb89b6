"""Print the demo staff's current sign-in codes (DEBUG only): the demo's stand-in for their
phones' authenticator apps."""

import time

from allauth.mfa import app_settings as mfa_settings
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from marketplace.kernel import demo
from marketplace.kernel.mfa import current_totp_code, is_enrolled
from marketplace.kernel.models import User


class Command(BaseCommand):
    help = ("Print the current two-factor codes of the demo's staff (maya, arthur, admin); "
            "DEBUG only.")

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="*", default=demo.TWO_FACTOR_STAFF,
                            help=f"Demo staff (default: {', '.join(demo.TWO_FACTOR_STAFF)}).")

    def handle(self, *args, **options):
        # A second factor is worth something only while nobody else can read it: this prints
        # codes, so it works on a development site with the demo's own staff only.
        if not settings.DEBUG:
            raise CommandError("demo_totp prints sign-in codes; it runs only with DEBUG on.")
        unknown = set(options["usernames"]) - set(demo.TWO_FACTOR_STAFF)
        if unknown:
            raise CommandError(f"Only the demo's staff have codes here: "
                               f"{', '.join(demo.TWO_FACTOR_STAFF)} (not {', '.join(sorted(unknown))}).")
        left = mfa_settings.TOTP_PERIOD - int(time.time()) % mfa_settings.TOTP_PERIOD
        for username in options["usernames"]:
            user = User.objects.filter(username=username).first()
            if user is None or not is_enrolled(user):
                self.stdout.write(f"{username:8} not enrolled (run seed_demo first)")
                continue
            self.stdout.write(f"{username:8} {current_totp_code(user)}")
        self.stdout.write(f"(valid for {left} more seconds; each code signs in once)")
