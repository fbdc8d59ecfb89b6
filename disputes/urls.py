from django.urls import path

from disputes import views

app_name = "disputes"

urlpatterns = [
    path("contracts/<int:pk>/cancel/", views.cancellation_new, name="cancellation_new"),
    path("cancellations/<int:pk>/", views.cancellation_detail, name="cancellation"),
    path("cancellations/<int:pk>/do/<slug:action>/", views.cancellation_action,
         name="cancellation_action"),
    path("cancellations/<int:pk>/messages/", views.cancellation_message_create,
         name="cancellation_message"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute"),
    path("disputes/<int:pk>/do/<slug:action>/", views.dispute_action, name="dispute_action"),
    path("disputes/<int:pk>/offers/<int:offer_pk>/do/<slug:action>/", views.offer_action,
         name="offer_action"),
    path("disputes/<int:pk>/messages/", views.dispute_message_create, name="dispute_message"),
]
