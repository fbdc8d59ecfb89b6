"""Root URLs: the stable paths of the spec's section 9."""

from django.contrib import admin
from django.urls import include, path

from disputes import views as dispute_views
from marketplace.site import views
from reputation import views as reputation_views

# Server errors: a 503 with Retry-After while the database is unreachable (views.server_error).
handler500 = views.server_error

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # Before allauth's "accounts/": the account pages of our own (close, profile).
    path("", include("marketplace.kernel.urls")),
    path("accounts/", include("allauth.urls")),
    path("u/<str:username>/", reputation_views.profile, name="public_profile"),
    path("policy/", views.policy, name="policy"),
    path("stats/", dispute_views.stats, name="stats"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots),
    path("admin/", admin.site.urls),
    path("", include("contracts.urls")),
    path("", include("disputes.urls")),
    path("", include("reputation.urls")),
]
