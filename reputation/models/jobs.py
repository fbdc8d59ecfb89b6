"""The job board: clients post jobs; freelancers apply; the client hires one applicant."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from marketplace.kernel.db_privileges import KEPT
from marketplace.kernel.fsm import refusal


class JobState(models.TextChoices):
    OPEN = "open", _("Open")
    FILLED = "filled", _("Filled")
    CLOSED = "closed", _("Closed")


class ApplicationState(models.TextChoices):
    PENDING = "pending", _("Pending")
    HIRED = "hired", _("Hired")
    NOT_SELECTED = "not_selected", _("Not selected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


@refusal(_("Only the client who posted the job can do this."))
def is_poster(job, user) -> bool:
    return user is not None and user.pk == job.client_id


class Job(ConcurrentTransitionMixin, models.Model):
    """A job a client posted. States: open (taking applications), filled (an applicant was
    hired: an offer was made), closed (the client took it down)."""

    db_privileges = KEPT  # the app's database role: kernel.db_privileges
    # Why an action cannot be taken in each state (fsm.state_refusal), in plain words.
    STATE_REFUSALS = {
        JobState.OPEN: _("This job is open for applications."),
        JobState.FILLED: _("This job was filled: an applicant was hired."),
        JobState.CLOSED: _("This job was closed by the client who posted it."),
    }

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="jobs")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=20_000)
    skills = models.CharField(_("skills"), max_length=300, blank=True,
                              help_text=_("Comma-separated, e.g. Django, SQL"))
    budget_cents = models.BigIntegerField(_("budget (cents)"))
    state = FSMField(default=JobState.OPEN, choices=JobState.choices, protected=True,
                     db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The client's score, copied here by the database in the statement that writes it
    # (reputation.ranks): the board's order, read from an index of the open jobs, and the
    # trust score each row shows (as the directory shows User.ranked_score), so the number
    # shown and the order always agree. Never written by our code.
    client_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        # On PostgreSQL the open jobs are indexed in the board's order (migration 0004:
        # SQLite cannot index NULLS LAST).

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reputation:job", args=[self.pk])

    @property
    def skills_list(self) -> list[str]:
        return [s.strip() for s in self.skills.split(",") if s.strip()]

    @transition(field=state, source=JobState.OPEN, target=JobState.FILLED, permission=is_poster)
    def fill(self):
        pass

    @transition(field=state, source=JobState.OPEN, target=JobState.CLOSED, permission=is_poster)
    def close(self):
        pass


@refusal(_("Only the freelancer who applied can withdraw the application."))
def is_applicant(application, user) -> bool:
    return user is not None and user.pk == application.freelancer_id


@refusal(_("Only the client who posted the job can hire."))
def is_job_poster(application, user) -> bool:
    return user is not None and user.pk == application.job.client_id


@refusal(_("The job is no longer open."))
def job_is_open(application) -> bool:
    return application.job.state == JobState.OPEN


class Application(ConcurrentTransitionMixin, models.Model):
    """A freelancer's application: a cover note and a price. States: pending, hired (an offer
    was created), not_selected (another applicant was hired), withdrawn."""

    db_privileges = KEPT  # the app's database role: kernel.db_privileges
    # Why an action cannot be taken in each state (fsm.state_refusal), in plain words.
    STATE_REFUSALS = {
        ApplicationState.PENDING: _("This application is waiting for the client's choice."),
        ApplicationState.HIRED: _("This applicant was already hired."),
        ApplicationState.NOT_SELECTED: _("The client hired someone else for this job."),
        ApplicationState.WITHDRAWN: _("This application was withdrawn."),
    }

    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="applications")
    freelancer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="applications")
    cover_note = models.TextField(_("cover note"), max_length=5000)
    price_cents = models.BigIntegerField(_("price (cents)"))
    state = FSMField(default=ApplicationState.PENDING, choices=ApplicationState.choices,
                     protected=True)
    created_at = models.DateTimeField(default=timezone.now)
    contract = models.OneToOneField("contracts.Contract", on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="application")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "freelancer"], name="one_application_per_job"),
            models.CheckConstraint(condition=models.Q(price_cents__gt=0), name="application_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.freelancer} on {self.job}"

    @transition(field=state, source=ApplicationState.PENDING, target=ApplicationState.HIRED,
                permission=is_job_poster, conditions=[job_is_open])
    def hire(self, *, contract):
        self.contract = contract

    @transition(field=state, source=ApplicationState.PENDING,
                target=ApplicationState.NOT_SELECTED, permission=is_job_poster)
    def pass_over(self):
        pass

    @transition(field=state, source=ApplicationState.PENDING, target=ApplicationState.WITHDRAWN,
                permission=is_applicant)
    def withdraw(self):
        pass
