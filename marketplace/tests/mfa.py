"""Tests sign staff in with a passed second factor, the way allauth records one.

`force_login` writes no authentication record, so a staff member signed in that way would be
sent to the challenge (`marketplace.kernel.mfa.StaffSecondFactorMiddleware`) like anyone
whose session never passed the second factor. `pass_second_factor` writes the record allauth
writes after a correct code, so tests keep the middleware on.
"""

import time

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator

from marketplace.kernel.mfa import enrol_totp, is_enrolled

# allauth's name for the session key saying whose records they are (pinned version).
RECORDS_OWNER_SESSION_KEY = "account_authentication_methods_user"


def pass_second_factor(client, user) -> None:
    """Enrol `user` in TOTP if needed, and mark the client's session as having passed the
    password and the authenticator app, as a real sign-in would."""
    if not is_enrolled(user):
        enrol_totp(user)
    authenticator = Authenticator.objects.get(user_id=user.pk, type=Authenticator.Type.TOTP)
    now = time.time()
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "username": user.username},
        {"method": "mfa", "at": now, "type": "totp", "id": authenticator.pk},
    ]
    session[RECORDS_OWNER_SESSION_KEY] = str(user.pk)
    session.save()
