"""Where a case stands in the policy, as the path it took: steps done, the current one,
steps skipped (the case never went there) and steps still to come; the last step names
how the case ended once it has."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from disputes.models import CancellationState, DisputeState

DONE, CURRENT, SKIPPED, TODO = "done", "current", "skipped", "todo"
STATUS_WORDS = {DONE: _("done"), CURRENT: _("current step"), SKIPPED: _("skipped"),
                TODO: _("not reached yet")}


@dataclass(frozen=True)
class Step:
    label: str
    status: str  # done, current, skipped or todo
    detail: str = ""  # e.g. whose answer is awaited

    @property
    def status_words(self) -> str:
        return str(STATUS_WORDS[self.status])


def _answer_step(case) -> Step:
    """The answers and counter-proposals: whose turn it is, while it runs."""
    if case.state == CancellationState.OPEN:
        waiting = _("waiting for the client") if case.turn_role == "client" \
            else _("waiting for the freelancer")
        return Step(_("Answers"), CURRENT, str(waiting))
    return Step(_("Answers"), DONE)


def _end_step(ending, is_open: bool) -> Step:
    if ending is not None:
        return Step(str(ending.title), DONE)
    return Step(_("Outcome"), TODO if is_open else DONE)


def cancellation_steps(case, ending=None) -> list[Step]:
    """The request's path: request, answers, (a denial and dialogue), dispute, how it ended."""
    state = case.state
    dispute = getattr(case, "dispute", None)
    steps = [Step(_("Request"), DONE), _answer_step(case)]
    if case.initiator_role == "freelancer":
        if state == CancellationState.DENIED:
            steps.append(Step(_("Denial and dialogue"), CURRENT))
        elif case.denied_at is not None:
            steps.append(Step(_("Denial and dialogue"), DONE))
        else:
            steps.append(Step(_("Denial and dialogue"), TODO if state == "open" else SKIPPED))
    if dispute is not None:
        steps.append(Step(_("Dispute"), CURRENT if dispute.is_open else DONE,
                          str(dispute.get_state_display()) if dispute.is_open else ""))
    else:
        steps.append(Step(_("Dispute"), TODO if state in ("open", "denied") else SKIPPED))
    live = state in ("open", "denied") or (dispute is not None and dispute.is_open)
    steps.append(_end_step(ending, live))
    return steps


STAGES = [DisputeState.NEGOTIATION, DisputeState.MEDIATION, DisputeState.PROPOSAL,
          DisputeState.ARBITRATION]
STAGE_LABELS = [_("Negotiation"), _("Mediation"), _("Proposal"), _("Arbitration")]


def dispute_steps(dispute, ending=None) -> list[Step]:
    """The dispute's stages: done up to where it is (or where it closed), skipped after that."""
    if dispute.is_open:
        here = STAGES.index(dispute.state)
        steps = [Step(label, DONE if i < here else CURRENT if i == here else TODO)
                 for i, label in enumerate(STAGE_LABELS)]
        return [*steps, _end_step(None, True)]
    # A closed case went through the stages up to the one it closed in; later ones never
    # happened. (A case closed in mediation after a rejected proposal did have a proposal.)
    reached = STAGES.index(dispute.closed_stage) if dispute.closed_stage in STAGES else 3
    had_proposal = dispute.proposal_rounds > 0
    steps = []
    for i, label in enumerate(STAGE_LABELS):
        done = i <= reached or (STAGES[i] == DisputeState.PROPOSAL and had_proposal)
        steps.append(Step(label, DONE if done else SKIPPED))
    return [*steps, _end_step(ending, False)]
