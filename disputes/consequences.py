"""What a choice will do to each side's reputation, in plain words, before the click.

Computed by the same rules that apply it (`marketplace.kernel.scoring`): the stored basis of
each party's score (registered by the reputation app) plus the contract this choice would
end, exactly as the live update will count it. A choice that ends nothing says so.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from disputes.models import Dispute
from marketplace.kernel.compiled import CompiledQuery
from marketplace.kernel.scoring import Basis, ContractFacts, bases_of, contract_value, project

FAULT_PHRASES = {"client": _("the client's fault"), "freelancer": _("the freelancer's fault"),
                 "none": _("nobody's fault")}


@dataclass(frozen=True)
class Effect:
    """One party's score before and after a contract ends a given way."""

    user: object
    role: str
    counted: list  # what counts against (or for) them, in words
    before: int | None
    after: int | None
    ended_after: int

    @property
    def moves(self) -> bool:
        return bool(self.counted) or self.before != self.after


def _score_name(user, viewer) -> str:
    own = viewer is not None and viewer.pk == user.pk
    if user.role == "client":
        return _("your trust score") if own else _("%(name)s's trust score") % {
            "name": user.display_name}
    return _("your score") if own else _("%(name)s's score") % {"name": user.display_name}


def _counted_words(fact: ContractFacts, basis: Basis) -> list[str]:
    words = []
    if fact.blamed:
        rank = basis.at_fault + 1
        words.append(_("one at-fault cancellation") if rank == 1 else
                     _("at-fault cancellation no. %(n)s, which weighs more") % {"n": rank})
    if fact.timeouts:
        words.append(_("one unanswered deadline"))
    if fact.disputes_lost:
        words.append(_("one lost dispute"))
    return words


def _losses_of(contract_id: int):
    return Dispute.objects.filter(contract_id=contract_id).exclude(lost_by="").values("lost_by")


# Read whenever a page states what a choice would record: compiled once (kernel.compiled).
LOSSES_OF = CompiledQuery(_losses_of)


def ending_effects(contract, *, fault: str, timed_out_role: str = "",
                   lost_by: str = "") -> list[Effect]:
    """The client's and the freelancer's scores if `contract` ends cancelled now this way."""
    parties = [contract.client, contract.freelancer]
    bases = bases_of(parties)
    earlier_losses = dict.fromkeys(("client", "freelancer"), 0)
    for row in LOSSES_OF.rows(contract_id=contract.pk):
        earlier_losses[row["lost_by"]] += 1
    effects = []
    for user, role in zip(parties, ("client", "freelancer"), strict=True):
        basis = bases.get(user.pk, Basis())
        fact = ContractFacts(contract_id=contract.pk, rank_key=(basis.ended, contract.pk),
                             state="cancelled", role=role, fault=fault,
                             timeouts=int(timed_out_role == role),
                             disputes_lost=earlier_losses[role] + int(lost_by == role))
        after = project(basis, fact)
        value, _reasons = contract_value(fact, basis.at_fault + 1)
        effects.append(Effect(user=user, role=role,
                              counted=_counted_words(fact, basis) if value is not None else [],
                              before=basis.score(), after=after.score(),
                              ended_after=after.ended))
    return effects


def _effect_words(effect: Effect, viewer) -> str:
    name = _score_name(effect.user, viewer)
    if effect.after is None:
        shown = _("no score is shown until %(n)s contracts have ended") % {
            "n": settings.MIN_CONTRACTS_FOR_SCORE}
    elif effect.before is None:
        shown = _("first score: %(after)s") % {"after": effect.after}
    else:
        shown = f"{effect.before} → {effect.after}"
    if effect.counted:
        return _("%(name)s counts %(what)s (%(shown)s)") % {
            "name": name, "what": _(" and ").join(effect.counted), "shown": shown}
    if effect.before != effect.after:
        return _("%(name)s counts nothing against %(whom)s (%(shown)s)") % {
            "name": name, "shown": shown,
            "whom": _("you") if viewer is not None and viewer.pk == effect.user.pk
            else _("them")}
    return _("%(name)s is not affected") % {"name": name}


def sentence(lead: str, effects: list[Effect], viewer) -> str:
    """“Accepting records this as the client's fault: your trust score is not affected;
    Bob's score counts one at-fault cancellation (72 → 68).” The viewer's own effect first."""
    ordered = sorted(effects, key=lambda e: viewer is None or e.user.pk != viewer.pk)
    parts = [_effect_words(effect, viewer) for effect in ordered]
    text = "; ".join(parts)
    return f"{lead}: {text[0].lower()}{text[1:]}." if lead else f"{text[0].upper()}{text[1:]}."


def ending(contract, viewer, *, lead: str, fault: str, timed_out_role: str = "",
           lost_by: str = "") -> str:
    return sentence(lead, ending_effects(contract, fault=fault, timed_out_role=timed_out_role,
                                         lost_by=lost_by), viewer)


# --- the decision points ------------------------------------------------------------------

def _fault_lead(verb: str, fault: str) -> str:
    return _("%(verb)s records this as %(fault)s") % {"verb": verb,
                                                      "fault": FAULT_PHRASES[fault]}


def request_outcomes(contract, viewer, role: str) -> dict[str, dict[str, str]]:
    """For a new request, per fault the asker may choose: what acceptance and what silence
    would record (the other side's silence is their timeout)."""
    other = "freelancer" if role == "client" else "client"
    other_user = contract.freelancer if other == "freelancer" else contract.client
    return {fault: {
        "accepted": ending(contract, viewer, fault=fault, lead=_(
            "If %(name)s accepts, this is recorded as %(fault)s") % {
            "name": other_user.display_name, "fault": FAULT_PHRASES[fault]}),
        "silence": ending(contract, viewer, fault=fault, timed_out_role=other, lead=_(
            "If %(name)s does not answer in time, the terms apply by timeout") % {
            "name": other_user.display_name}),
    } for fault in FAULT_PHRASES}


def timeout_sentence(request, viewer) -> str:
    """What silence will record when the request's deadline passes (the terms on the table,
    amount capped, fault as proposed; the silent party's timeout)."""
    return ending(request.contract, viewer, fault=request.fault, timed_out_role=request.turn_role,
                  lead=_("Silence is recorded as %(fault)s, with an unanswered deadline for "
                         "%(who)s")
                  % {"fault": FAULT_PHRASES[request.fault],
                     "who": request.turn_user.display_name})


def cancellation_action_sentence(action: str, request, viewer) -> str | None:
    """The consequence line of a cancellation request's action page."""
    contract = request.contract
    if action == "accept":
        return ending(contract, viewer, fault=request.fault,
                      lead=_fault_lead(_("Accepting"), request.fault))
    if action == "counter":
        return None  # per fault, on the form: see counter_outcomes
    if action == "deny":
        return _("Denying changes no score now. %(name)s may then counter-propose, continue the "
                 "contract, or, after you have both written, dispute the decision: a mediator or "
                 "arbitrator who finds you at fault counts a lost dispute against you.") % {
            "name": contract.freelancer.display_name}
    if action in ("dispute_cancellation", "dispute_denial"):
        return _("Disputing changes no score now. The outcome decides: whoever a mediator's "
                 "resolution or an arbitrator's decision finds at fault loses the dispute, and "
                 "if the contract is cancelled, the cancellation counts against whoever's fault "
                 "it is. Settling by agreement counts no lost dispute.")
    if action in ("withdraw", "continue"):
        return _("This changes nobody's score: the contract continues.")
    return None


def counter_outcomes(request, viewer) -> dict[str, str]:
    """Per fault the counter-proposal may carry: what the other side's acceptance records."""
    other = request.contract.other_party(viewer)
    return {fault: ending(request.contract, viewer, fault=fault, lead=_(
        "If %(name)s accepts these terms, this is recorded as %(fault)s") % {
        "name": other.display_name, "fault": FAULT_PHRASES[fault]})
        for fault in FAULT_PHRASES}


def dispute_action_sentence(action: str, dispute, viewer, offer=None) -> str | None:
    """The consequence line of a dispute's action page."""
    contract = dispute.contract
    if action == "offer_accept" and offer is not None:
        if offer.outcome == "continue":
            return _("Accepting continues the contract: no score changes now, and nobody loses "
                     "the dispute (it is settled by agreement).")
        return ending(contract, viewer, fault=offer.fault,
                      lead=_fault_lead(_("Accepting this offer"), offer.fault))
    proposal = dispute.current_proposal
    if action == "accept_proposal" and proposal is not None:
        loser = proposal.fault if proposal.fault in ("client", "freelancer") else ""
        if proposal.outcome == "continue":
            return _("If both of you accept (or stay silent), the contract continues and %(lost)s"
                     ".") % {"lost": _("the dispute counts as lost for %(who)s when the contract "
                                       "ends") % {"who": FAULT_PHRASES[loser]}
                             if loser else _("nobody loses the dispute")}
        return ending(contract, viewer, fault=proposal.fault, lost_by=loser, lead=_(
            "If both of you accept (or stay silent), this is recorded as %(fault)s%(lost)s") % {
            "fault": FAULT_PHRASES[proposal.fault],
            "lost": _(" and a lost dispute") if loser else ""})
    if action == "reject_proposal":
        return _("Rejecting changes no score now: the mediator makes one revised proposal, or, if "
                 "this was the revised one, an arbitrator decides. Their decision is binding.")
    if action == "withdraw":
        return _("Withdrawing ends the dispute as the policy says (§4.4); nobody loses it.")
    return None
