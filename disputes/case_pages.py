"""What the two case pages read: the cancellation request page and the dispute room.

Each page has one selector here that fetches exactly what it shows, in a fixed number of
reads compiled once (kernel.compiled): the case with its contract (and the request or the
dispute) in one row, the people it names in one more, then its offers, proposals, evidence
and conversation. Few joins per read on purpose: PostgreSQL spent longer planning the old
eight-table join than running it. A non-party gets 404, as before; staff who need to know
read the dispute room through the same checks as before (`disputes.access`).
"""

from django.http import Http404

from contracts import access
from contracts.models import Attachment, Contract, Milestone
from contracts.selectors import MILESTONES_OF, STAFF_READERS_OF, staff_readers
from disputes.conversation import case_conversation, conversation_read
from disputes.endings import dispute_ending, request_ending
from disputes.models import CancellationRequest, Dispute, Proposal, SettlementOffer
from marketplace.kernel.compiled import (
    CompiledQuery,
    Read,
    fields_of,
    instance,
    prefetched,
    together,
)
from marketplace.kernel.models import User
from marketplace.kernel.pagecache import RowFragments
from marketplace.kernel.services.notifications import keep_unread, unread_read

# The dispute's frozen snapshot can be large; only the record and the console show it.
_DISPUTE_FIELDS = [name for name in fields_of(Dispute) if name != "snapshot"]


# The people a case page names come with its row: the contract's parties and, for a
# dispute, its mediator and arbitrator (their name fields, through each relation).
PARTIES = ("contract__client", "contract__freelancer")
CASE_WORKERS = ("mediator", "arbitrator")


def _names(*relations: str) -> list[str]:
    return [f"{via}__{name}" for via in relations for name in User.NAME_FIELDS]


def _request_row(request_id: int):
    # Found by id, the party checked in Python: a party filter across the join made the
    # plan longer than the read (statements are prepared now: planned once per connection).
    return (CancellationRequest.objects.filter(pk=request_id)
            .values(*fields_of(CancellationRequest), *fields_of(Contract, "contract__"),
                    *(f"dispute__{name}" for name in _DISPUTE_FIELDS), *_names(*PARTIES)))


def _dispute_row(dispute_id: int):
    return (Dispute.objects.filter(pk=dispute_id)
            .values(*_DISPUTE_FIELDS, *fields_of(Contract, "contract__"),
                    *fields_of(CancellationRequest, "cancellation_request__"),
                    *_names(*PARTIES, *CASE_WORKERS)))


def _offers_of(dispute_id: int):
    return (SettlementOffer.objects.filter(dispute_id=dispute_id).order_by("created_at", "id")
            .values(*fields_of(SettlementOffer),
                    *(f"made_by__{name}" for name in User.NAME_FIELDS)))


def _proposals_of(dispute_id: int):
    return (Proposal.objects.filter(dispute_id=dispute_id).order_by("created_at", "id")
            .values(*fields_of(Proposal)))


def _evidence_of(dispute_id: int):
    return (Attachment.objects.filter(dispute_id=dispute_id).order_by("uploaded_at", "id")
            .values("id", "original_name", "uploaded_at", "sha256",
                    *User.name_values("uploaded_by")))


def _evidence_key(row: dict) -> tuple:
    return (row["id"], row["uploaded_at"], row["uploader"])


# An evidence file never changes once uploaded: rendered once per viewer and uploader's name.
EVIDENCE = RowFragments("evidence", "disputes/_evidence_row.html", key=_evidence_key)

REQUEST_ROW = CompiledQuery(_request_row)
DISPUTE_ROW = CompiledQuery(_dispute_row)
OFFERS_OF = CompiledQuery(_offers_of)
PROPOSALS_OF = CompiledQuery(_proposals_of)
EVIDENCE_OF = CompiledQuery(_evidence_of)


def _named(contract: Contract, row: dict, relations: tuple[str, ...]) -> dict[int, User]:
    """The people the case row names through `relations`, by id (a relation the case does
    not have yet, such as an arbitrator, is left out); the contract's parties set on it."""
    people = {}
    for via in relations:
        user = instance(User, row, f"{via}__")
        if user.pk is not None:
            people[user.pk] = user
    contract.client = people[contract.client_id]
    contract.freelancer = people[contract.freelancer_id]
    return people


def _with_milestones(contract: Contract, rows: list[dict]) -> None:
    milestones = [instance(Milestone, row) for row in rows]
    for milestone in milestones:
        milestone.contract = contract
    prefetched(contract, "milestones", milestones)


def _request_people(request: CancellationRequest, people: dict) -> None:
    for field in ("initiator", "turn_user", "proposed_by"):
        user_id = getattr(request, f"{field}_id")
        if user_id in people:
            setattr(request, field, people[user_id])


def cancellation_page(user, pk: int) -> CancellationRequest:
    """The request, for one of its contract's parties (else 404), with its contract and
    parties, its dispute if it became one, how it ended (if it has) and its conversation."""
    row = REQUEST_ROW.first(request_id=pk)
    if row is None:
        raise Http404
    request = instance(CancellationRequest, row)
    contract = request.contract = instance(Contract, row, "contract__")
    if not contract.is_party(user):
        raise Http404
    dispute = None
    if row["dispute__id"] is not None:
        dispute = instance(Dispute, row, "dispute__")
        dispute.contract, dispute.cancellation_request = contract, request
    # What the page reads once the request is found, in one round trip (kernel.compiled).
    closed_dispute = dispute is not None and not dispute.is_open
    conversation_rows, unread, *settled = together(
        conversation_read(request), unread_read(user),
        *(_offers_and_proposals_reads(dispute) if closed_dispute else ()))
    keep_unread(user, unread)
    people = _named(contract, row, PARTIES)
    _request_people(request, people)
    if dispute is not None:
        if dispute.opened_by_id in people:
            dispute.opened_by = people[dispute.opened_by_id]
        if closed_dispute:
            _with_offers_and_proposals(dispute, people, *settled)
    CancellationRequest.dispute.related.set_cached_value(request, dispute)
    request.ending = request_ending(request)
    request.conversation = case_conversation(request, conversation_rows)
    return request


def _proposed(dispute: Dispute) -> bool:
    # A proposal is only ever made by the `propose` transition, which counts it in
    # `proposal_rounds`, and a decision only in arbitration: a case still negotiating or in
    # mediation with no round yet has none, and is not asked for them.
    return not (dispute.proposal_rounds == 0 and dispute.state in ("negotiation", "mediation"))


def _offers_and_proposals_reads(dispute: Dispute) -> list[Read]:
    return [OFFERS_OF.read(dispute_id=dispute.pk),
            *([PROPOSALS_OF.read(dispute_id=dispute.pk)] if _proposed(dispute) else [])]


def _with_offers_and_proposals(dispute: Dispute, people: dict, offer_rows: list[dict],
                               proposal_rows: list[dict] | None = None) -> None:
    """`offer_rows` and `proposal_rows` as `_offers_and_proposals_reads` read them."""
    offers = []
    for row in offer_rows:
        offer = instance(SettlementOffer, row)
        offer.made_by = people.get(offer.made_by_id) or instance(User, row, "made_by__")
        offer.dispute = dispute
        offers.append(offer)
    prefetched(dispute, "offers", offers)
    proposals = [instance(Proposal, row) for row in proposal_rows or ()]
    for proposal in proposals:
        proposal.dispute = dispute
    prefetched(dispute, "proposals", proposals)
    kinds = [p for p in proposals if p.kind == "proposal"]
    dispute._current_proposal = kinds[-1] if kinds else None


def _may_read(user, dispute: Dispute) -> bool:
    contract = dispute.contract
    if contract.is_party(user):
        return True
    return (access.reads_as_staff(user, contract)
            and access.readable_contracts(user).filter(pk=contract.pk).exists())


def dispute_room(user, pk: int) -> Dispute:
    """The dispute with everything its room shows, for a party or staff who needs to know
    (else 404): contract and parties, the request, mediator and arbitrator, offers,
    proposals, evidence, milestones, the whole case's conversation and the staff who read
    the case (`staff_readers`). Two round trips (kernel.compiled.together): what the
    dispute's id finds, then what its row names. What the first finds for a dispute the
    user may not read is dropped unseen (404)."""
    row, offer_rows, evidence = together(DISPUTE_ROW.read(dispute_id=pk),
                                         OFFERS_OF.read(dispute_id=pk),
                                         EVIDENCE_OF.read(dispute_id=pk))
    if not row:
        raise Http404
    row = row[0]
    dispute = instance(Dispute, row)
    contract = dispute.contract = instance(Contract, row, "contract__")
    if not _may_read(user, dispute):
        raise Http404
    request = dispute.cancellation_request = instance(
        CancellationRequest, row, "cancellation_request__")
    request.contract = contract
    CancellationRequest.dispute.related.set_cached_value(request, dispute)
    milestone_rows, conversation_rows, reader_rows, unread, *proposal_rows = together(
        MILESTONES_OF.read(contract_id=contract.pk), conversation_read(request),
        STAFF_READERS_OF.read(contract_id=contract.pk), unread_read(user),
        *([PROPOSALS_OF.read(dispute_id=dispute.pk)] if _proposed(dispute) else []))
    keep_unread(user, unread)
    people = _named(contract, row, PARTIES + CASE_WORKERS)
    _request_people(request, people)
    for field in ("mediator", "arbitrator", "opened_by"):
        user_id = getattr(dispute, f"{field}_id")
        setattr(dispute, field, people.get(user_id) if user_id else None)
    _with_milestones(contract, milestone_rows)
    _with_offers_and_proposals(dispute, people, offer_rows, *proposal_rows)
    for item in evidence:
        item["uploader"] = User.name_in(item, "uploaded_by")
    dispute.evidence_rows = EVIDENCE.render_together(evidence)
    # Case workers read the case as the record has it, messages a mediator hid included.
    dispute.conversation = case_conversation(request, conversation_rows,
                                             reveal_hidden=not contract.is_party(user))
    dispute.staff_readers = staff_readers(reader_rows)
    dispute.ending = dispute_ending(dispute)
    return dispute
