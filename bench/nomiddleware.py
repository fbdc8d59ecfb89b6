"""The yardstick's yardstick: a bare view served with no middleware at all (no session, no
authentication, no security headers), so the report can say what the middleware stack costs
per request. Its own settings module and URLconf; it touches no database."""

from django.http import HttpResponse
from django.urls import path


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare)]
