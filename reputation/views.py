"""Public profiles, the freelancer directory, the job board, and feedback pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts import selectors as contract_selectors
from marketplace.kernel.actions import available
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Role
from marketplace.kernel.views_helpers import action_view
from reputation import selectors
from reputation.actions import APPLICATION_ACTIONS, JOB_ACTIONS
from reputation.forms import ApplicationForm, FeedbackForm, JobForm, ReplyForm, SearchForm
from reputation.models import Application, Feedback, Job
from reputation.services.feedback import (
    client_cancelled,
    feedback_refusal,
    feedback_reply,
    feedback_submit,
    window_closes_at,
)
from reputation.services.jobs import job_apply, job_post

PAGE = 20


def _page(request, queryset):
    return Paginator(queryset, PAGE).get_page(request.GET.get("page"))


def profile(request, username: str):
    shown = selectors.profile_page(request.user, username, request.GET.get("page"))
    if shown is None:
        raise Http404
    return render(request, "reputation/profile.html", shown)


def directory(request):
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    return render(request, "reputation/directory.html", {
        "form": form, "q": query, "page": selectors.directory_page(query, request.GET.get("page")),
        "query": urlencode({"q": query}) if query else "",
    })


def job_list(request):
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    return render(request, "reputation/jobs.html", {
        "form": form, "q": query,
        "page": selectors.job_board_page(query, request.GET.get("page")),
        "query": urlencode({"q": query}) if query else "",
    })


@login_required
def job_new(request):
    form = JobForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = job_post(actor=request.user, title=form.cleaned_data["title"],
                           description=form.cleaned_data["description"],
                           skills=form.cleaned_data["skills"], budget_cents=form.budget_cents())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your job is on the board."))
            return redirect(job)
    return render(request, "reputation/job_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


def job_detail(request, pk: int):
    job = get_object_or_404(Job.objects.select_related("client", "client__reputation"), pk=pk)
    user = request.user
    is_poster = user.is_authenticated and user.pk == job.client_id
    if job.state != "open" and not is_poster and not (
            user.is_authenticated and job.applications.filter(freelancer=user).exists()):
        raise Http404
    mine = (job.applications.filter(freelancer=user).first()
            if user.is_authenticated and user.role == Role.FREELANCER else None)
    applications = []
    if is_poster:
        applications = list(job.applications.select_related("freelancer", "freelancer__reputation"))
        for application in applications:
            application.job = job
            application.actions = available(APPLICATION_ACTIONS, application, user)
    form = None
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(f"/accounts/login/?next={job.get_absolute_url()}")
        form = ApplicationForm(request.POST)
        if form.is_valid():
            try:
                job_apply(actor=user, job=job, cover_note=form.cleaned_data["cover_note"],
                          price_cents=form.price_cents())
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your application was sent."))
                return redirect(job)
    elif (user.is_authenticated and user.role == Role.FREELANCER and mine is None
          and job.state == "open" and user.has_verified_email):
        form = ApplicationForm()
    return render(request, "reputation/job_detail.html", {
        "job": job, "is_poster": is_poster, "applications": applications, "mine": mine,
        "mine_actions": available(APPLICATION_ACTIONS, mine, user) if mine else [],
        "job_actions": available(JOB_ACTIONS, job, user) if user.is_authenticated else [],
        "form": form,
    }, status=400 if request.method == "POST" else 200)


@login_required
def job_action(request, pk: int, action: str):
    job = get_object_or_404(Job, pk=pk, client=request.user)
    if action not in JOB_ACTIONS:
        raise Http404
    return action_view(request, obj=job, action=JOB_ACTIONS[action], object_kwarg="job",
                       template="reputation/action.html", context={"job": job},
                       success_url=job.get_absolute_url())


@login_required
def application_action(request, pk: int, action: str):
    application = get_object_or_404(
        Application.objects.select_related("job", "freelancer", "job__client"), pk=pk)
    if request.user.pk not in (application.freelancer_id, application.job.client_id):
        raise Http404
    if action not in APPLICATION_ACTIONS:
        raise Http404
    return action_view(request, obj=application, action=APPLICATION_ACTIONS[action],
                       object_kwarg="application", template="reputation/action.html",
                       context={"job": application.job, "application": application},
                       success_url=application.job.get_absolute_url())


@login_required
def feedback(request, pk: int):
    contract = contract_selectors.contract_for_party(request.user, pk)
    role = "client" if request.user.pk == contract.client_id else "freelancer"
    refusal = feedback_refusal(contract, request.user)
    form = None
    if refusal is None:
        form = FeedbackForm(request.POST or None, author_role=role,
                            ask_explained=role == "freelancer" and client_cancelled(contract))
        if request.method == "POST" and form.is_valid():
            try:
                feedback_submit(actor=request.user, contract=contract, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Thank you. Your feedback is shown once the other "
                                            "party has left theirs, or when the window closes."))
                return redirect("reputation:feedback", pk=contract.pk)
    elif request.method == "POST":
        messages.error(request, refusal)
    given = list(Feedback.objects.filter(contract=contract).select_related("author", "receiver"))
    return render(request, "reputation/feedback.html", {
        "contract": contract, "form": form, "refusal": refusal, "closes_at": window_closes_at(contract),
        "mine": next((f for f in given if f.author_id == request.user.pk), None),
        "theirs": next((f for f in given if f.author_id != request.user.pk), None),
    }, status=400 if request.method == "POST" and form is not None else 200)


@login_required
@require_POST
def reply(request, pk: int):
    item = get_object_or_404(Feedback, pk=pk, receiver=request.user)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            feedback_reply(actor=request.user, feedback=item, reply=form.cleaned_data["reply"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your reply is public."))
    return redirect("public_profile", username=request.user.username)
