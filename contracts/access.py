"""Who may read a contract, its thread and its files: the parties, and staff who need to know.

Contracts sit below the apps that know why a staff member needs a contract: `disputes` knows
which cases are in a case worker's queue or held by them. Those apps register their rules
here when they are ready, the way apps register models with the admin:

- `register_contract_rule(rule)`: `rule(user) -> Q` over Contract, the whole contracts (thread,
  files, milestones, escrow, record) a staff member may read because of their work.
- `register_message_rule(rule)`: `rule(user) -> Q` over Message, single messages a staff member
  may read outside those contracts (the seam for reported messages, each read with the few
  messages around it).

Superusers read everything. Staff read only what a rule grants them, never a contract because
they are staff; a staff member who is a party reads their own contract as a party. Every read
by staff is written to the access log (`contracts.services.access_log`).
"""

from collections.abc import Callable

from django.db.models import Q

from contracts.models import Attachment, Contract, Message, ReportState

Rule = Callable[[object], Q]

_contract_rules: list[Rule] = []
_message_rules: list[Rule] = []

NOTHING = Q(pk__in=[])
# Q() would not do: OR-ed with another Q, an empty Q drops out and the other one remains.
EVERYTHING = ~NOTHING


def register_contract_rule(rule: Rule) -> None:
    if rule not in _contract_rules:
        _contract_rules.append(rule)


def register_message_rule(rule: Rule) -> None:
    if rule not in _message_rules:
        _message_rules.append(rule)


def _is_staff(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def _any(rules: list[Rule], user) -> Q:
    granted = NOTHING
    for rule in rules:
        granted |= rule(user)
    return granted


def staff_contracts_q(user) -> Q:
    """The contracts `user` may read as staff (not as a party): a Q over Contract."""
    if not _is_staff(user):
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    return _any(_contract_rules, user)


def staff_messages_q(user) -> Q:
    """The messages `user` may read as staff: those of their contracts, and single messages
    a message rule grants."""
    if not _is_staff(user):
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    contracts = Contract.objects.filter(staff_contracts_q(user)).values("pk")
    return Q(contract__in=contracts) | _any(_message_rules, user)


def staff_attachments_q(user) -> Q:
    """The files `user` may read as staff: those of their contracts and of their messages."""
    if not _is_staff(user):
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    contracts = Contract.objects.filter(staff_contracts_q(user)).values("pk")
    granted = Q(contract__in=contracts)
    if _message_rules:
        granted |= Q(message__in=Message.objects.filter(_any(_message_rules, user)).values("pk"))
    return granted


def reported_messages_rule(user) -> Q:
    """Mediators who handle reports read the reported messages themselves (the console shows
    each with the few messages around it)."""
    if user.has_perm("contracts.handle_report"):
        return Q(reports__isnull=False)
    return NOTHING


def parties_q(user, via: str = "") -> Q:
    prefix = f"{via}__" if via else ""
    return Q(**{f"{prefix}client": user}) | Q(**{f"{prefix}freelancer": user})


def readable_contracts(user):
    """Contracts `user` may read: as a party, or as staff who needs to know."""
    if not _is_staff(user):
        return Contract.objects.filter(parties_q(user))
    return Contract.objects.filter(parties_q(user) | staff_contracts_q(user))


def readable_attachments(user):
    """Files `user` may download: of their own contracts (except those of a message a mediator
    hid from the parties), or as staff who needs to know."""
    own = (Attachment.objects.filter(parties_q(user, "contract"))
           .exclude(message__reports__state=ReportState.HIDDEN))
    if not _is_staff(user):
        return own
    return Attachment.objects.filter(Q(pk__in=own.values("pk")) | staff_attachments_q(user))


def reads_as_staff(user, contract) -> bool:
    """Whether `user` reads `contract` as staff (whose reads are logged), not as a party."""
    return _is_staff(user) and not contract.is_party(user)
