"""Account pages of the kernel (included by the site's root URLs)."""

from django.urls import path

from marketplace.kernel import views

urlpatterns = [
    path("accounts/close/", views.account_close_view, name="account_close"),
    path("accounts/profile/", views.profile_settings, name="profile_settings"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/open/", views.notification_open_view, name="notifications_open"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
