from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("contracts/", views.contract_list, name="list"),
    path("contracts/new/", views.offer_new, name="new"),
    path("contracts/<int:pk>/", views.contract_detail, name="detail"),
    path("contracts/<int:pk>/messages/", views.message_create, name="message"),
    path("contracts/<int:pk>/record/", views.contract_record, name="record"),
    path("contracts/<int:pk>/do/<slug:action>/", views.contract_action, name="action"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
