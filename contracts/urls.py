from django.urls import path

from contracts import views, wallet_views

app_name = "contracts"

urlpatterns = [
    path("contracts/", views.contract_list, name="list"),
    path("contracts/new/", views.offer_new, name="new"),
    path("contracts/<int:pk>/", views.contract_detail, name="detail"),
    path("contracts/<int:pk>/messages/", views.message_create, name="message"),
    path("contracts/<int:pk>/messages/<int:message_pk>/report/", views.message_report,
         name="message_report"),
    path("contracts/<int:pk>/record/", views.contract_record, name="record"),
    path("contracts/<int:pk>/do/<slug:action>/", views.contract_action, name="action"),
    path("contracts/<int:pk>/milestones/new/", views.milestone_new, name="milestone_new"),
    path("contracts/<int:pk>/milestones/<int:milestone_pk>/do/<slug:action>/",
         views.milestone_action, name="milestone_action"),
    path("wallet/", wallet_views.wallet, name="wallet"),
    path("wallet/deposit/", wallet_views.deposit, name="wallet_deposit"),
    path("wallet/withdraw/", wallet_views.withdraw, name="wallet_withdraw"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
