"""Closing an account: personal data is pseudonymised; the record and the ledger stay intact.

Events are hashed over user ids, never names, so every chain still verifies after closure;
ledger entries point at accounts, not at personal data.
"""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.errors import DomainError

LIVE_CONTRACT_STATES = ["offered", "active", "cancellation_requested", "disputed"]


def account_close(*, actor) -> None:
    """Close the actor's account. Refused while a contract is live or the wallet holds money,
    so nothing anyone is owed is lost."""
    from contracts.models import Account, Contract

    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        if user.closed_at:
            raise DomainError(_("This account is already closed."))
        live = Contract.objects.filter(Q(client=user) | Q(freelancer=user),
                                       state__in=LIVE_CONTRACT_STATES).count()
        if live:
            raise DomainError(_("Finish or end your %(n)s open contract(s) before closing your "
                                "account.") % {"n": live})
        balance = (Account.objects.filter(kind="wallet", user=user)
                   .values_list("balance_cents", flat=True).first() or 0)
        if balance:
            raise DomainError(_("Withdraw the money in your wallet before closing your account."))
        user.username = f"closed-{user.pk}"
        user.email = f"closed-{user.pk}@closed.invalid"
        user.first_name = user.last_name = ""
        user.headline = user.bio = user.skills = ""
        user.set_unusable_password()
        user.is_active = False
        user.closed_at = timezone.now()
        user.save()
        EmailAddress.objects.filter(user=user).delete()
        _end_sessions(user.pk)


def _end_sessions(user_id: int) -> None:
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            session.delete()
