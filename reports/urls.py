from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tien-do/", views.report_list, name="report_list"),
    path("tien-do/lap/", views.report_request, name="report_request"),
    path("tien-do/<int:pk>/", views.report_detail, name="report_detail"),
    path("tien-do/<int:pk>/trang-thai/", views.report_status, name="report_status"),
    path("tien-do/<int:pk>/tai-ve/<str:kind>/", views.report_download, name="report_download"),
    path("tuyen-truyen/", views.outreach_list, name="outreach_list"),
    path("tuyen-truyen/them/", views.outreach_create, name="outreach_create"),
    path("tuyen-truyen/<int:pk>/sua/", views.outreach_edit, name="outreach_edit"),
    path("tuyen-truyen/<int:pk>/xoa/", views.outreach_delete, name="outreach_delete"),
]
