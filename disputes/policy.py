"""The cancellation policy's fixed lists: reasons per role, each with its default fault."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Fault(models.TextChoices):
    CLIENT = "client", _("The client")
    FREELANCER = "freelancer", _("The freelancer")
    NONE = "none", _("Nobody (no fault)")


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    default_fault: str


CLIENT_REASONS = [
    Reason("mutual", _("We both agree to end the contract"), Fault.NONE),
    Reason("scope_change", _("The scope changed and we agreed to stop"), Fault.NONE),
    Reason("force_majeure", _("Force majeure: events beyond anyone's control"), Fault.NONE),
    Reason("freelancer_unresponsive", _("The freelancer stopped responding"), Fault.FREELANCER),
    Reason("quality", _("The work does not meet the agreed requirements"), Fault.FREELANCER),
    Reason("missed_deadlines", _("The freelancer missed the agreed deadlines"), Fault.FREELANCER),
    Reason("no_longer_needed", _("I no longer need the work"), Fault.CLIENT),
    Reason("budget", _("My budget or priorities changed"), Fault.CLIENT),
]

FREELANCER_REASONS = [
    Reason("mutual", _("We both agree to end the contract"), Fault.NONE),
    Reason("scope_change", _("The scope changed and we agreed to stop"), Fault.NONE),
    Reason("force_majeure", _("Force majeure: events beyond anyone's control"), Fault.NONE),
    Reason("client_unresponsive", _("The client stopped responding"), Fault.CLIENT),
    Reason("scope_creep", _("The client keeps adding unpaid work"), Fault.CLIENT),
    Reason("payment", _("The client does not fund or approve finished work"), Fault.CLIENT),
    Reason("unable_to_deliver", _("I can no longer do the work"), Fault.FREELANCER),
    Reason("availability", _("Personal reasons or availability"), Fault.FREELANCER),
]

REASONS_BY_ROLE = {"client": CLIENT_REASONS, "freelancer": FREELANCER_REASONS}


def reasons_for(role: str) -> list[Reason]:
    return REASONS_BY_ROLE.get(role, [])


def find_reason(role: str, code: str) -> Reason | None:
    return next((r for r in reasons_for(role) if r.code == code), None)


def reason_label(role: str, code: str) -> str:
    reason = find_reason(role, code)
    return str(reason.label) if reason else code
