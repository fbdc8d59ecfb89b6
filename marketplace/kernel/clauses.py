"""The policy as numbered clauses: what `/policy/` shows, what mediators and arbitrators cite
in their proposals and decisions (by number, with a link), with the settings in force filled
in. One list, so a clause cited in the console always exists on the page.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from marketplace.kernel import scoring


@dataclass(frozen=True)
class Clause:
    number: str  # "3.3"
    title: str
    text: str  # may name settings as %(NAME)s

    @property
    def anchor(self) -> str:
        return "clause-" + self.number.replace(".", "-")

    @property
    def url(self) -> str:
        return f"/policy/#{self.anchor}"

    @property
    def citation(self) -> str:
        """How a proposal or decision cites it: "§3.3 Silence is an answer"."""
        return f"§{self.number} {self.title}"

    def words(self) -> str:
        return str(self.text) % numbers()


@dataclass(frozen=True)
class Section:
    number: str
    title: str
    anchor: str
    clauses: tuple[Clause, ...]


def numbers() -> dict:
    """Every number a clause may name: the policy settings and the scoring rules."""
    values = {name: getattr(settings, name) for name in dir(settings) if name.isupper()
              and isinstance(getattr(settings, name), int)}
    values.update(PRIOR=scoring.PRIOR, PRIOR_WEIGHT=scoring.PRIOR_WEIGHT,
                  COMPLETED=scoring.COMPLETED, RATING_STEP=scoring.RATING_STEP,
                  AT_FAULT_1=scoring.AT_FAULT[0], AT_FAULT_2=scoring.AT_FAULT[1],
                  AT_FAULT_3=scoring.AT_FAULT[2], TIMEOUT=scoring.TIMEOUT,
                  DISPUTE_LOST=scoring.DISPUTE_LOST, NO_COMMUNICATION=scoring.NO_COMMUNICATION,
                  WARNING=scoring.WARNING, RECENT=scoring.RECENT)
    return values


SECTIONS = (
    Section("1", _("Offers"), "offers", (
        Clause("1.1", _("Making an offer"), _(
            "A client makes an offer to a freelancer: a title, the scope of work and one or more "
            "fixed-price milestones. Before you make or accept an offer, read how a contract can "
            "be ended early (section 3): either side may ask, with reasons, and the other side "
            "answers.")),
        Clause("1.2", _("Answering an offer"), _(
            "The freelancer accepts or declines the offer. An offer left unanswered for "
            "%(OFFER_EXPIRY_DAYS)s days expires; the client may withdraw it until it is "
            "answered.")),
        Clause("1.3", _("A verified email address"), _(
            "You need a verified email address to make or accept an offer: deadlines here can "
            "cost money, so their reminders must reach you.")),
    )),
    Section("2", _("Money and escrow"), "money", (
        Clause("2.1", _("Escrow"), _(
            "The client pays each milestone into the contract's escrow before the work on it "
            "starts. Escrowed money belongs to neither side until the milestone is released or "
            "a settlement divides it; it is never lost.")),
        Clause("2.2", _("Delivery and release"), _(
            "When the freelancer submits a milestone, the client approves it or asks for "
            "changes. If the client stays silent for %(MILESTONE_AUTO_RELEASE_DAYS)s days, it is "
            "released automatically.")),
        Clause("2.3", _("The platform fee"), _(
            "The platform keeps %(PLATFORM_FEE_PERCENT)s%% of what the freelancer receives "
            "(rounded half-up to the cent), on releases and settlements alike. Arbitration costs "
            "the parties nothing.")),
        Clause("2.4", _("Ending a contract normally"), _(
            "The client ends the contract as completed when nothing is left in escrow. A "
            "contract with nothing in escrow and no activity for %(DORMANT_CONTRACT_DAYS)s days "
            "is closed, with no fault to anyone.")),
    )),
    Section("3", _("Ending a contract early"), "cancellation", (
        Clause("3.1", _("Asking to end a contract"), _(
            "Whoever wants to end an active contract says why: a reason from a fixed list, an "
            "explanation of at least %(CANCELLATION_MIN_EXPLANATION)s characters, and proposed "
            "terms: how much of the escrow goes to the freelancer (the rest returns to the "
            "client) and whose fault the ending is. Each reason suggests a fault: the client's, "
            "the freelancer's, or nobody's (mutual agreement, an agreed change of scope, force "
            "majeure). Tell the other side first, in the contract's messages.")),
        Clause("3.2", _("Answering a request"), _(
            "The other party has %(CANCELLATION_RESPONSE_DAYS)s days to answer: accept the "
            "terms, counter-propose other terms (the turn passes back and the days start again; "
            "at most %(MAX_COUNTER_PROPOSALS)s counter-proposals each), or decline. The one who "
            "asked may withdraw the request while it is open.")),
        Clause("3.3", _("Silence is an answer"), _(
            "When the time to answer runs out, the terms on the table apply, amount and fault "
            "together (“accepted by timeout”), except that by timeout a freelancer receives no "
            "more than the value of the work already submitted. The silent party's timeout "
            "counts in their reputation. The request page says before the deadline exactly what "
            "silence will record.")),
        Clause("3.4", _("A denied request and direct dialogue"), _(
            "If a freelancer asks and the client denies, the freelancer can counter-propose, "
            "continue the contract, or dispute the decision, but only after trying direct "
            "dialogue: both of you have written since the denial, or a counter-proposal was "
            "made and answered, or %(NEGOTIATION_MIN_HOURS)s hours have passed. A denial not "
            "disputed within %(DENIAL_DISPUTE_DAYS)s days lapses and the contract continues.")),
        Clause("3.5", _("Disputing a client's cancellation"), _(
            "If a client asks and the freelancer finds the cancellation unjustified, the "
            "freelancer disputes it, with a reason.")),
        Clause("3.6", _("While a case is open"), _(
            "While a request or dispute is open, no money moves except through its settlement, "
            "and automatic releases are paused (their clock resumes afterwards).")),
        Clause("3.7", _("The settlement"), _(
            "When terms are accepted, the settlement executes at once as one ledger transaction "
            "and the contract is cancelled. The fault recorded is the one in the accepted "
            "terms.")),
    )),
    Section("4", _("Disputes"), "disputes", (
        Clause("4.1", _("Direct negotiation"), _(
            "A dispute starts with direct negotiation: the parties exchange offers (cancel with "
            "a split of the escrow, or continue the contract, and whose fault it is). Accepting "
            "an offer settles the dispute at once. Either party may ask for a mediator; when "
            "both have asked, or after %(NEGOTIATION_DAYS)s days, a mediator takes the case.")),
        Clause("4.2", _("Mediation"), _(
            "The mediator reads the whole record, can write to both of you, and proposes a "
            "resolution with written findings and the clause it relies on, normally within "
            "%(MEDIATION_SLA_DAYS)s days. Both of you accept it, or either rejects it with a "
            "reason; silence for %(PROPOSAL_RESPONSE_DAYS)s days counts as acceptance. After "
            "one rejection the mediator makes one revised proposal; if that is rejected too, an "
            "arbitrator decides.")),
        Clause("4.3", _("Arbitration"), _(
            "The arbitrator is never the case's mediator and never a party. The decision is "
            "binding, comes with written findings, normally within %(ARBITRATION_SLA_DAYS)s "
            "days, and costs the parties nothing.")),
        Clause("4.4", _("Withdrawing a dispute"), _(
            "The disputing party may withdraw before a decision: if they disputed a client's "
            "cancellation, the client's latest terms apply; if they disputed a denial, the "
            "request ends and the contract continues.")),
        Clause("4.5", _("Evidence"), _(
            "Each party may add evidence until the case leaves mediation. Evidence and every "
            "message are kept in the record with their SHA-256 fingerprints.")),
        Clause("4.6", _("Outcomes and fault"), _(
            "An offer, proposal or decision either cancels the contract with a split of the "
            "escrow or continues it, and says whose fault the ending is. A party a mediator's "
            "resolution or an arbitrator's decision finds at fault has lost the dispute.")),
    )),
    Section("5", _("Reputation"), "reputation", (
        Clause("5.1", _("Feedback"), _(
            "After a contract is completed or cancelled, each party may leave feedback within "
            "%(FEEDBACK_WINDOW_DAYS)s days: an overall rating, three sub-ratings and a public "
            "comment. Feedback is double-blind (shown when both have left theirs or the window "
            "closes) and cannot be changed; the person it is about may reply once. Feedback "
            "after a dispute is labelled so.")),
        Clause("5.2", _("Explaining a cancellation"), _(
            "When a client cancelled, the freelancer is also asked whether the client explained "
            "it clearly and respectfully; a “no” marks that cancellation “without proper "
            "communication”.")),
        Clause("5.3", _("How scores are computed"), _(
            "A score (0 to 100) is the average value of a person's ended contracts, started from "
            "%(PRIOR_WEIGHT)s imaginary contracts worth %(PRIOR)s, so one event cannot swing a "
            "new account. A completed contract is worth %(COMPLETED)s, %(RATING_STEP)s more or "
            "less per star of the rating received above or below 3. A cancellation that was the "
            "person's fault is worth %(AT_FAULT_1)s the first time, %(AT_FAULT_2)s the second "
            "time and %(AT_FAULT_3)s from the third on: repeated cancellations weigh more, "
            "counted by their place in the person's history, never by the calendar. A client's "
            "cancellation without proper communication counts the same way, %(NO_COMMUNICATION)s "
            "less. On any contract, each deadline left unanswered costs %(TIMEOUT)s and each "
            "dispute lost %(DISPUTE_LOST)s. The %(RECENT)s most recent contracts count double. "
            "A score is shown once %(MIN_CONTRACTS_FOR_SCORE)s contracts have ended.")),
        Clause("5.4", _("What does not count"), _(
            "A cancellation ended by agreement with no fault, a cancellation that was the other "
            "party's fault, and a contract closed for inactivity move nobody's score.")),
        Clause("5.5", _("Visibility and the low-trust warning"), _(
            "The directory and the job board rank by relevance, then by score. Jobs and offers "
            "from clients whose trust score is below %(LOW_TRUST_SCORE)s carry a visible "
            "warning. Every score is shown with the contracts that moved it, and profiles split "
            "cancellations by fault.")),
        Clause("5.6", _("Respectful dialogue"), _(
            "Write to each other with respect. A party may report a message as abusive; a "
            "mediator reads it with the messages around it and warns the sender, hides the "
            "message (abuse or personal data), or dismisses the report, always with a reason. "
            "A warning is kept in the record and counts on the sender's profile as a conduct "
            "warning (worth %(WARNING)s in the average).")),
    )),
    Section("6", _("The record"), "record", (
        Clause("6.1", _("Nothing is rewritten"), _(
            "Messages cannot be edited or deleted. Every message, decision and automatic action "
            "becomes an entry in the contract's record, chained by SHA-256 hashes so that any "
            "change or removal is detected.")),
        Clause("6.2", _("Attachments"), _(
            "Attachments may be PDF, PNG, JPEG or plain text: up to %(ATTACHMENTS_PER_MESSAGE)s "
            "files of up to %(ATTACHMENT_MAX_MB)s MB each per message. Only the two parties, and "
            "the mediators and arbitrators working the case, can download them.")),
        Clause("6.3", _("Reminders"), _(
            "Every deadline sends a reminder halfway and one day before it ends, in the app and "
            "by email.")),
        Clause("6.4", _("Signed checkpoints"), _(
            "Every ledger transaction is chained the same way as the record. Every hour the head "
            "of every contract's record and of the ledger is signed with an Ed25519 key that "
            "never touches our database (a signed checkpoint, kept outside it), so history "
            "before a checkpoint cannot be rewritten unseen, not even by someone who could "
            "change our database and recompute the chains. The public keys are below.")),
        Clause("6.5", _("Your own copy"), _(
            "When a contract ends, both parties receive by email the final SHA-256 link of its "
            "record and the latest signed checkpoint: keep that email, it is your own copy.")),
    )),
)

CLAUSES = {clause.number: clause for section in SECTIONS for clause in section.clauses}


def clause_choices() -> list[tuple[str, str]]:
    """The clauses a proposal or decision may rely on, for a select list."""
    return [(c.citation, c.citation) for c in CLAUSES.values()]


def cited_clause(text: str) -> Clause | None:
    """The clause a proposal's or decision's citation ("§3.3 …") names, if any."""
    number = text.removeprefix("§").split(" ", 1)[0] if text.startswith("§") else ""
    return CLAUSES.get(number)
