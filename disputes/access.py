"""Need to know: which cases a case worker may see (spec section 2).

One rule, `cases_visible_to`, decides it for the console's queue and case view, and (through
the contract rule registered with `contracts.access`) for the record page, the dispute room,
the thread, the files, the milestones and the escrow: the cases in the user's queue, and the
cases they hold.

- A mediator: cases in mediation or awaiting a proposal's answers that nobody holds (their
  queue), and every case they hold as mediator (also once it went on to arbitration or closed).
- An arbitrator: cases in arbitration that nobody arbitrates, and every case they arbitrate.
- A lead mediator / lead arbitrator: every case in their stage, since they reassign them.
- A superuser: everything. Anyone else on the staff: nothing.

Nobody works a case they are a party to, so the rule never grants one (a party reads their own
contract as a party, on the parties' pages). Reported messages, which mediators read with the
few messages around them, extend this through `contracts.access.register_message_rule`.
"""

from django.db.models import Q

from disputes.models import Dispute, DisputeState
from disputes.models.dispute import REASSIGN_ARBITRATOR, REASSIGN_MEDIATOR

NOTHING = Q(pk__in=[])
# Q() would not do: OR-ed with another Q, an empty Q drops out and the other one remains.
EVERYTHING = ~NOTHING
MEDIATION_STAGES = (DisputeState.MEDIATION, DisputeState.PROPOSAL)


def cases_visible_to(user) -> Q:
    """A Q over Dispute: the cases `user` may see in the console and on the pages."""
    if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    grants = []
    if user.is_mediator:
        grants += [Q(state__in=MEDIATION_STAGES, mediator__isnull=True), Q(mediator=user)]
    if user.has_perm(REASSIGN_MEDIATOR):
        grants.append(Q(state__in=MEDIATION_STAGES))
    if user.is_arbitrator:
        grants += [Q(state=DisputeState.ARBITRATION, arbitrator__isnull=True),
                   Q(arbitrator=user)]
    if user.has_perm(REASSIGN_ARBITRATOR):
        grants.append(Q(state=DisputeState.ARBITRATION))
    if not grants:
        return NOTHING
    granted = grants[0]
    for grant in grants[1:]:
        granted |= grant
    return granted & ~Q(contract__client=user) & ~Q(contract__freelancer=user)


def visible_cases(user):
    return Dispute.objects.filter(cases_visible_to(user))


def case_contracts_q(user) -> Q:
    """The contract rule `disputes` registers with `contracts.access`: a Q over Contract."""
    return Q(pk__in=visible_cases(user).values("contract_id"))
