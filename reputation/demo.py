"""Demo reputation: more people, ended contracts with feedback, jobs with applicants, so the
directory and the job board have meaningful rankings."""

import uuid

from contracts.services.lifecycle import contract_complete
from contracts.services.milestones import milestone_approve, milestone_fund, milestone_submit
from contracts.services.offers import MilestoneInput, offer_accept, offer_create
from contracts.services.wallets import wallet_deposit
from disputes.services import cancellations as svc
from marketplace.kernel.demo import DEMO_PASSWORD, _verified
from marketplace.kernel.models import Role, User
from reputation.services.feedback import feedback_submit
from reputation.services.jobs import job_apply, job_post

EXTRA_FREELANCERS = [
    ("fiona", "Fiona", "Fox", "Senior Django and DevOps", "Python, Django, Docker, AWS"),
    ("gus", "Gus", "Grant", "Full-stack developer", "Django, React, TypeScript"),
    ("hana", "Hana", "Hill", "Data engineer", "Python, SQL, Airflow, PostgreSQL"),
    ("ivan", "Ivan", "Ito", "Mobile developer", "Flutter, Kotlin, Swift"),
    ("jade", "Jade", "Jones", "UX designer", "Figma, Accessibility, Design systems"),
]
EXTRA_CLIENTS = [("kim", "Kim", "Kerr"), ("leo", "Leo", "Lund")]
WHY = ("The project was put on hold by our board this week, so we have to stop here; the "
       "delivered stage will be paid in full.")


def _person(username, first, last, role, headline="", skills=""):
    user = User.objects.create_user(username=username, email=f"{username}@example.com",
                                    password=DEMO_PASSWORD, first_name=first, last_name=last,
                                    role=role, headline=headline, skills=skills)
    return _verified(user)


def _completed(client, freelancer, title, cents, client_rating, freelancer_rating):
    contract = offer_create(client=client, freelancer=freelancer, title=title,
                            description=f"{title}, as discussed.",
                            milestones=[MilestoneInput("Delivery", cents)])
    offer_accept(actor=freelancer, contract=contract)
    milestone = contract.milestones.get()
    milestone_fund(actor=client, milestone=milestone)
    milestone_submit(actor=freelancer, milestone=milestone)
    milestone_approve(actor=client, milestone=milestone)
    contract_complete(actor=client, contract=contract)
    _feedback(contract, client, client_rating, "Great work, on time and well explained.")
    _feedback(contract, freelancer, freelancer_rating, "Clear brief and quick payments.")
    return contract


def _feedback(contract, author, rating, comment, explained=None):
    feedback_submit(actor=author, contract=contract, rating=rating, communication=rating,
                    quality_or_clarity=rating, professionalism=rating, comment=comment,
                    explained_clearly=explained)


def _client_cancels(client, freelancer, title, fault, explained):
    contract = offer_create(client=client, freelancer=freelancer, title=title,
                            description=f"{title}.", milestones=[MilestoneInput("Stage", 20_000)])
    offer_accept(actor=freelancer, contract=contract)
    milestone_fund(actor=client, milestone=contract.milestones.get())
    request = svc.cancellation_request(actor=client, contract=contract, reason="budget",
                                       explanation=WHY, amount_to_freelancer_cents=5_000,
                                       fault=fault)
    svc.cancellation_accept(actor=freelancer, request=request)
    _feedback(contract, freelancer, 2, "Stopped abruptly.", explained=explained)
    _feedback(contract, client, 4, "Good start before we had to stop.")
    return contract


def seed(people) -> dict:
    freelancers = [_person(u, f, last, Role.FREELANCER, h, s) for u, f, last, h, s in EXTRA_FREELANCERS]
    clients = [_person(u, f, last, Role.CLIENT) for u, f, last in EXTRA_CLIENTS]
    for client in clients:
        wallet_deposit(actor=client, amount_cents=5_000_000, idempotency_key=uuid.uuid4().hex)
    kim, leo = clients
    fiona, gus, hana, ivan, jade = freelancers
    # Steady, well-rated freelancers rank first; one with cancellations that were his fault
    # ranks last; a client who cancels without explaining gets a low trust score and a warning.
    for i in range(4):
        _completed(kim, fiona, f"Deployment pipeline {i + 1}", 40_000, 5, 5)
        _completed(kim, hana, f"Reporting job {i + 1}", 30_000, 4, 5)
    for i in range(3):
        _completed(kim, gus, f"Dashboard widget {i + 1}", 25_000, 3, 4)
    for i in range(3):
        contract = offer_create(client=kim, freelancer=ivan, title=f"App screen {i + 1}",
                                description="A screen.", milestones=[MilestoneInput("Screen", 15_000)])
        offer_accept(actor=ivan, contract=contract)
        request = svc.cancellation_request(
            actor=ivan, contract=contract, reason="unable_to_deliver",
            explanation="I took on too much this month and cannot deliver this screen in time; "
                        "sorry for the trouble.", amount_to_freelancer_cents=0, fault="freelancer")
        svc.cancellation_accept(actor=kim, request=request)
    for i in range(3):
        _client_cancels(leo, jade if i % 2 else gus, f"Brand audit {i + 1}", "none", explained=False)
    job_post(actor=kim, title="Django upgrade from 4.2 to 5.2",
             description="Upgrade a mid-size Django project, fix deprecations, keep tests green.",
             skills="Django, Python", budget_cents=150_000)
    low_trust_job = job_post(actor=leo, title="Landing page redesign",
                             description="A new landing page in our brand colours.",
                             skills="Figma, CSS", budget_cents=80_000)
    django_job = job_post(actor=people["alice"], title="Stripe-like payments dashboard",
                          description="Charts of payments, refunds and disputes in Django.",
                          skills="Django, PostgreSQL, Charts", budget_cents=250_000)
    job_apply(actor=fiona, job=django_job, cover_note="I built two similar dashboards.",
              price_cents=240_000)
    job_apply(actor=people["bob"], job=django_job, cover_note="Happy to help, see my profile.",
              price_cents=230_000)
    job_apply(actor=jade, job=low_trust_job, cover_note="I can do this in a week.",
              price_cents=75_000)
    return {"freelancers": freelancers, "clients": clients}
