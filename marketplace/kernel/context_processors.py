"""Values every page's navigation needs (one query: the unread notification count)."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from marketplace.kernel.services.notifications import unread_count


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0, "policy": settings}
    return {
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user)),
        "policy": settings,
    }
