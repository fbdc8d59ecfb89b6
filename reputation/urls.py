from django.urls import path

from reputation import views

app_name = "reputation"

urlpatterns = [
    path("freelancers/", views.directory, name="directory"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/new/", views.job_new, name="job_new"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/do/<slug:action>/", views.job_action, name="job_action"),
    path("applications/<int:pk>/do/<slug:action>/", views.application_action,
         name="application_action"),
    path("contracts/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("feedback/<int:pk>/reply/", views.reply, name="reply"),
]
