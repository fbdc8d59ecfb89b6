"""Send dead letters (mail that failed every retry) again, with a fresh round of retries."""

from django.core.management.base import BaseCommand, CommandError

from marketplace.kernel.mail.delivery import retry_failed
from marketplace.kernel.models import DeliveryState, MailDelivery


class Command(BaseCommand):
    help = "Retry dead letters: the given ids, or all of them with --all."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int)
        parser.add_argument("--all", action="store_true")

    def handle(self, *args, **options):
        if not options["ids"] and not options["all"]:
            raise CommandError("Name the dead letters to retry, or pass --all.")
        ids = None if options["all"] else options["ids"]
        if ids:
            not_dead = set(ids) - set(MailDelivery.objects.filter(
                pk__in=ids, state=DeliveryState.FAILED).values_list("pk", flat=True))
            if not_dead:
                raise CommandError(f"Not dead letters: {', '.join(map(str, sorted(not_dead)))}")
        count = retry_failed(ids=ids)
        self.stdout.write(f"retry_mail: {count} mails queued again")
