"""Where a case stands in the policy, as steps for the progress stepper."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Step:
    label: str
    status: str  # "done", "current", "todo" or "skipped"


def _steps(labels, current: int, finished: bool = False) -> list[Step]:
    return [Step(label, "done" if i < current or (finished and i == current) else
                 "current" if i == current else "todo")
            for i, label in enumerate(labels)]


def cancellation_steps(case) -> list[Step]:
    if case.initiator_role == "freelancer":
        labels = [_("Request"), _("Client's answer"), _("Dialogue after a denial"),
                  _("Dispute"), _("Closed")]
        position = {"open": 1, "denied": 2, "disputed": 3}.get(case.state, 4)
    else:
        labels = [_("Request"), _("Freelancer's answer"), _("Dispute"), _("Closed")]
        position = {"open": 1, "disputed": 2}.get(case.state, 3)
    return _steps(labels, position, finished=case.is_closed and case.state != "disputed")


STAGES = ["negotiation", "mediation", "proposal", "arbitration"]


def dispute_steps(dispute) -> list[Step]:
    labels = [_("Negotiation"), _("Mediation"), _("Proposal"), _("Arbitration"), _("Closed")]
    if dispute.is_open:
        return _steps(labels, STAGES.index(dispute.state))
    # A closed case went through the stages up to the one it closed in, then closed: the
    # stages after that one never happened.
    reached = STAGES.index(dispute.closed_stage) if dispute.closed_stage in STAGES else 3
    return [Step(label, "done" if i <= reached or i == 4 else "skipped")
            for i, label in enumerate(labels)]
