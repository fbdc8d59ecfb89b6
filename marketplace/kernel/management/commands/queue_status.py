"""Show the task queue's depth, its oldest waiting task and the mail that is stuck."""

from django.core.management.base import BaseCommand

from marketplace.kernel.mail.queue import queue_status


def _age(delta) -> str:
    if delta is None:
        return "-"
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m{rest % 60:02d}s" if hours else f"{rest // 60}m{rest % 60:02d}s"


class Command(BaseCommand):
    help = ("Queue depth, the oldest waiting task's age, running and abandoned tasks, pending "
            "mail and dead letters. With --check, exit 1 if there are dead letters or "
            "abandoned tasks, or the oldest ready task waited longer than --max-age seconds.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true")
        parser.add_argument("--max-age", type=int, default=300)

    def handle(self, *args, **options):
        status = queue_status()
        lines = [
            f"backend: {status.backend}",
            f"ready: {status.ready} (oldest waiting {_age(status.oldest_ready_age)})",
            f"scheduled (retries waiting for their time): {status.scheduled}",
            f"running: {status.running} (abandoned by a dead worker: {status.abandoned})",
            f"mail pending: {status.mail_pending} (longest overdue {_age(status.mail_oldest_overdue)})",
            f"dead letters: {status.dead_letters}",
        ]
        self.stdout.write("\n".join(lines))
        if not options["check"]:
            return
        problems = []
        if status.dead_letters:
            problems.append(f"{status.dead_letters} dead letters (manage.py retry_mail)")
        if status.abandoned:
            problems.append(f"{status.abandoned} abandoned tasks (process_deadlines requeues them)")
        age = status.oldest_ready_age
        if age is not None and age.total_seconds() > options["max_age"]:
            problems.append(f"the oldest ready task waited {_age(age)}: are the workers running?")
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise SystemExit(1)
