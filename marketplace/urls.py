"""Root URLs: the stable paths of the spec's section 9."""

from django.contrib import admin
from django.urls import include, path

from marketplace import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/", include("allauth.urls")),
    path("accounts/profile/", views.profile_settings, name="profile_settings"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("u/<str:username>/", views.public_profile, name="public_profile"),
    path("policy/", views.policy, name="policy"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots),
    path("admin/", admin.site.urls),
    path("", include("contracts.urls")),
    path("", include("disputes.urls")),
]
