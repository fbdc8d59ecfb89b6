"""The job board: post, apply, hire (which makes an offer), close."""

from django.db import transaction
from django.utils.translation import gettext as _

from contracts.services.offers import MilestoneInput, offer_create
from marketplace.kernel import fsm
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Role
from marketplace.kernel.services.notifications import notify
from reputation.models import Application, ApplicationState, Job


def job_post(*, actor, title: str, description: str, skills: str, budget_cents: int) -> Job:
    """A client posts a job; freelancers can then find it and apply."""
    if actor.role != Role.CLIENT:
        raise DomainError(_("Only clients post jobs."))
    if not actor.has_verified_email:
        raise DomainError(_("Verify your email address before posting a job."))
    if budget_cents <= 0:
        raise DomainError(_("Give a budget above zero."))
    return Job.objects.create(client=actor, title=title.strip(), description=description.strip(),
                              skills=skills.strip(), budget_cents=budget_cents)


def job_apply(*, actor, job: Job, cover_note: str, price_cents: int) -> Application:
    """A freelancer applies with a cover note and a price; the client is told."""
    if actor.role != Role.FREELANCER:
        raise DomainError(_("Only freelancers apply to jobs."))
    if not actor.has_verified_email:
        raise DomainError(_("Verify your email address before applying to a job."))
    if price_cents <= 0:
        raise DomainError(_("Give a price above zero."))
    if not (cover_note or "").strip():
        raise DomainError(_("Write a cover note."))
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.state != "open":
            raise DomainError(_("This job is no longer open."))
        if Application.objects.filter(job=job, freelancer=actor).exists():
            raise DomainError(_("You have already applied to this job."))
        application = Application.objects.create(job=job, freelancer=actor,
                                                 cover_note=cover_note.strip(),
                                                 price_cents=price_cents)
        notify(user=job.client, url=job.get_absolute_url(),
               text=_("%(who)s applied to your job “%(title)s”.")
               % {"who": actor.display_name, "title": job.title})
    return application


def job_hire(*, actor, application: Application):
    """The client hires an applicant: an offer (one milestone at the applicant's price) goes
    to them; the job is filled; the other applicants are told."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=application.job_id)
        application = Application.objects.select_for_update().select_related("freelancer").get(
            pk=application.pk)
        application.job = job
        fsm.check_allowed(application, "hire", actor)
        contract = offer_create(
            client=actor, freelancer=application.freelancer, title=job.title,
            description=f"{job.description}\n\nCover note: {application.cover_note}",
            milestones=[MilestoneInput(title=job.title, amount_cents=application.price_cents)])
        fsm.run(application, "hire", actor, contract=contract)
        fsm.save_transitioned(application)
        fsm.run(job, "fill", actor)
        fsm.save_transitioned(job)
        for other in Application.objects.select_for_update().filter(
                job=job, state=ApplicationState.PENDING).select_related("freelancer", "job"):
            fsm.run(other, "pass_over", actor)
            fsm.save_transitioned(other)
            notify(user=other.freelancer, url=job.get_absolute_url(),
                   text=_("The job “%(title)s” was given to another freelancer.")
                   % {"title": job.title})
    return contract


def job_close(*, actor, job: Job) -> Job:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        fsm.run(job, "close", actor)
        fsm.save_transitioned(job)
    return job


def application_withdraw(*, actor, application: Application) -> Application:
    with transaction.atomic():
        application = Application.objects.select_for_update().select_related("job").get(
            pk=application.pk)
        fsm.run(application, "withdraw", actor)
        fsm.save_transitioned(application)
    return application
