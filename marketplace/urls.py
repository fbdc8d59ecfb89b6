"""Root URLs: the stable paths of the spec's section 9."""

from django.contrib import admin
from django.urls import include, path

from disputes import views as dispute_views
from marketplace import views
from reputation import views as reputation_views

admin.site.site_header = "Marketplace — mediator console"
admin.site.site_title = "Mediator console"
admin.site.index_title = "Cases, contracts and the record"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/close/", views.account_close_view, name="account_close"),
    path("accounts/", include("allauth.urls")),
    path("accounts/profile/", views.profile_settings, name="profile_settings"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
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
