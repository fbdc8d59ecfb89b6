"""Message templates for the notices a case worker sends most: a request for evidence, a
proposal explained, a deadline extended. Each fills in the case's own facts (the parties'
names, the terms, the deadline) and lands in the message form, to be edited before sending:
a template starts the message, the case worker writes it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from disputes.forms import FAULT_WORDS
from disputes.queue import due_of
from marketplace.kernel.money import format_money


@dataclass(frozen=True)
class Notice:
    key: str
    label: str
    # Whether it makes sense for the case now, and its text for the case and the sender.
    applies: Callable[[object], bool]
    text: Callable[[object, object], str]


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") + " " + (
        timezone.localtime(moment).tzname() or "")


def _greeting(dispute) -> str:
    contract = dispute.contract
    return _("Hello %(client)s and %(freelancer)s,") % {
        "client": contract.client.display_name, "freelancer": contract.freelancer.display_name}


def _request_evidence(dispute, sender) -> str:
    due = due_of(dispute)
    by = _(" by %(when)s") % {"when": _when(due)} if due else ""
    return "\n\n".join([
        _greeting(dispute),
        _("I am %(name)s and I am working on your dispute about “%(title)s”. To understand "
          "what happened I need evidence from both of you: what fixed the scope (the brief, "
          "messages), what was delivered and when, and anything that shows why the contract "
          "should end as you each propose.") % {"name": sender.display_name,
                                                 "title": dispute.contract.title},
        _("Please add it as evidence on the dispute page%(by)s. Files can be PDF, PNG, JPEG "
          "or plain text.") % {"by": by},
        _("Thank you,") + "\n" + sender.display_name,
    ])


def _terms(proposal) -> str:
    fault = FAULT_WORDS.get(proposal.fault, proposal.fault)
    if proposal.outcome == "continue":
        return _("the contract continues (no money moves); fault: %(fault)s") % {"fault": fault}
    return _("the contract is cancelled; %(amount)s of the escrow goes to the freelancer and "
             "the rest back to the client; fault: %(fault)s") % {
        "amount": format_money(proposal.amount_to_freelancer_cents), "fault": fault}


def _proposal_explained(dispute, sender) -> str:
    proposal = dispute.current_proposal
    return "\n\n".join([
        _greeting(dispute),
        _("I have proposed how to end this dispute: %(terms)s.") % {"terms": _terms(proposal)},
        _("Why: %(findings)s") % {"findings": proposal.findings},
        _("The policy I relied on: %(clause)s") % {"clause": proposal.policy_clause},
        _("You each have until %(when)s to accept or reject it on the dispute page. If you do "
          "not answer by then, your silence counts as acceptance.")
        % {"when": _when(dispute.deadline_at)},
        _("Kind regards,") + "\n" + sender.display_name,
    ])


def _deadline_extended(dispute, sender) -> str:
    return "\n\n".join([
        _greeting(dispute),
        _("The deadline in this dispute now ends %(when)s.") % {"when": _when(due_of(dispute))},
        _("Why: [say why the deadline moved]"),
        _("Kind regards,") + "\n" + sender.display_name,
    ])


NOTICES: dict[str, Notice] = {n.key: n for n in [
    Notice("request_evidence", _lazy("Request for evidence"), lambda d: d.is_open,
           _request_evidence),
    Notice("proposal_explained", _lazy("Proposal explained"),
           lambda d: d.state == "proposal" and d.current_proposal is not None,
           _proposal_explained),
    Notice("deadline_extended", _lazy("Deadline extended"),
           lambda d: d.is_open and due_of(d) is not None, _deadline_extended),
]}


def notices_for(dispute) -> list[Notice]:
    return [notice for notice in NOTICES.values() if notice.applies(dispute)]
