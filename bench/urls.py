"""The app's URLs plus one bare logged-in view: the yardstick every page is measured against
(same server, same middleware, no application work)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


@login_required
def bare(request):
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("marketplace.site.urls")),
]
