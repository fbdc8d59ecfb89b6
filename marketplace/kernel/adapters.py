"""django-allauth's mail (address confirmation, password reset) through the mail queue, so
no request talks to the mail server and an account mail is retried like any other."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from marketplace.kernel.mail.delivery import queue_prepared_mail


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # As DefaultAccountAdapter.send_mail builds it, queued instead of sent.
        request = allauth_context.request
        full = {"request": request, "email": email, "current_site": get_current_site(request),
                **context}
        message = self.render_mail(template_prefix, email, full)
        user = full.get("user")
        queue_prepared_mail(message, recipient=user if getattr(user, "pk", None) else None)
