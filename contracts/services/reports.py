"""Respectful dialogue (policy §5.6): a party reports an abusive message; a mediator warns the
sender, hides the message, or dismisses the report, always with a reason, on the record; the
reporter is told."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from contracts.models import Message, MessageReport
from marketplace.kernel import fsm
from marketplace.kernel.errors import DomainError
from marketplace.kernel.hooks import reputation_changed
from marketplace.kernel.services.notifications import notify
from marketplace.kernel.services.record import record_event

from .common import lock_contract

# The record's events for reports; `message.report_upheld` is what a conduct warning counts
# from (reputation reads it).
REPORTED, UPHELD, HIDDEN, DISMISSED = ("message.reported", "message.report_upheld",
                                       "message.hidden", "message.report_dismissed")


def _console_url(report) -> str:
    return f"/admin/contracts/messagereport/{report.pk}/change/"


def message_report(*, actor, message: Message, reason: str) -> MessageReport:
    """A party reports a message on their contract (not their own) as abusive, with a reason.

    Effects: an open report; a `message.reported` event; mediators are told of the report.
    """
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise DomainError(_("Say in a few words what is abusive about this message."))
    with transaction.atomic():
        contract = lock_contract(message.contract_id)
        if not contract.is_party(actor):
            raise DomainError(_("Only the client and the freelancer of this contract can report "
                                "its messages."))
        if message.author_id == actor.pk:
            raise DomainError(_("You cannot report your own message."))
        try:
            with transaction.atomic():
                report = MessageReport.objects.create(message=message, reporter=actor,
                                                      reason=reason)
        except IntegrityError as exc:
            raise DomainError(_("You already reported this message; a mediator will look at "
                                "it.")) from exc
        record_event(contract=contract, actor=actor, kind=REPORTED, subject=report,
                     text=f"{actor.display_name} reported a message by "
                          f"{message.author.display_name} as abusive; a mediator will look at it.",
                     data={"report_id": report.pk, "message_id": message.pk,
                           "sender_id": message.author_id, "reason": reason})
        for mediator in get_user_model().objects.filter(groups__name="Mediators", is_active=True,
                                                        is_staff=True).exclude(
                pk__in=[contract.client_id, contract.freelancer_id]):
            notify(user=mediator, contract=contract, url=_console_url(report),
                   text=_("A message on “%(title)s” was reported as abusive.")
                   % {"title": contract.title})
    return report


def _decide(actor, report: MessageReport, name: str, reason: str):
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for your decision: the parties read it."))
    contract = lock_contract(report.message.contract_id)
    # Only the report's row is locked (a lock on the joined message would need a right the
    # app's role does not have on an append-only table).
    report = MessageReport.objects.select_for_update(of=("self",)).select_related(
        "message", "message__author", "reporter").get(pk=report.pk)
    report.message.contract = contract
    fsm.run(report, name, actor, by=actor, reason=reason)
    fsm.save_transitioned(report)
    return contract, report, reason


def report_warn(*, actor, report: MessageReport, reason: str) -> MessageReport:
    """A mediator upholds the report and warns the sender: recorded on the contract's record
    and counted on the sender's profile as a conduct warning."""
    with transaction.atomic():
        contract, report, reason = _decide(actor, report, "warn", reason)
        sender = report.message.author
        record_event(contract=contract, actor=actor, kind=UPHELD, subject=report,
                     text=f"Mediator {actor.display_name} upheld a report and warned "
                          f"{sender.display_name} about a message: {reason}",
                     data={"report_id": report.pk, "message_id": report.message_id,
                           "sender_id": sender.pk, "reason": reason})
        notify(user=sender, contract=contract, url=contract.get_absolute_url(), urgent=True,
               text=_("A mediator warned you about one of your messages on “%(title)s”: "
                      "%(reason)s This counts as a conduct warning on your profile.")
               % {"title": contract.title, "reason": reason})
        _tell_reporter(report, contract, _("The sender was warned"))
        reputation_changed.send(sender=MessageReport, users=[sender])
    return report


def report_hide(*, actor, report: MessageReport, reason: str) -> MessageReport:
    """A mediator hides the message from the parties (abuse or personal data); its content
    stays in the record for case workers, and the thread says it was hidden, and why."""
    with transaction.atomic():
        contract, report, reason = _decide(actor, report, "hide", reason)
        record_event(contract=contract, actor=actor, kind=HIDDEN, subject=report,
                     text=f"Mediator {actor.display_name} hid a message by "
                          f"{report.message.author.display_name} from the parties: {reason}",
                     data={"report_id": report.pk, "message_id": report.message_id,
                           "reason": reason})
        notify(user=report.message.author, contract=contract, url=contract.get_absolute_url(),
               text=_("A mediator hid one of your messages on “%(title)s”: %(reason)s")
               % {"title": contract.title, "reason": reason})
        _tell_reporter(report, contract, _("The message was hidden"))
    return report


def report_dismiss(*, actor, report: MessageReport, reason: str) -> MessageReport:
    """A mediator finds nothing to act on; the reporter is told why."""
    with transaction.atomic():
        contract, report, reason = _decide(actor, report, "dismiss", reason)
        record_event(contract=contract, actor=actor, kind=DISMISSED, subject=report,
                     text=f"Mediator {actor.display_name} dismissed a report about a message: "
                          f"{reason}",
                     data={"report_id": report.pk, "message_id": report.message_id,
                           "reason": reason})
        _tell_reporter(report, contract, _("Your report was dismissed"))
    return report


def _tell_reporter(report, contract, outcome: str) -> None:
    notify(user=report.reporter, contract=contract, url=contract.get_absolute_url(),
           text=_("%(outcome)s: a mediator decided on the message you reported on “%(title)s”. "
                  "%(reason)s") % {"outcome": outcome, "title": contract.title,
                                   "reason": report.decision_reason})
