from django.urls import path

from schools import views

app_name = "schools"

urlpatterns = [
    path("truong/", views.school_list, name="school_list"),
    path("truong/<int:pk>/", views.school_detail, name="school_detail"),
    path("huyen/<int:pk>/", views.district_detail, name="district_detail"),
    path("xuat-excel/<str:key>/", views.export_start, name="export_start"),
    path("tep-xuat/<int:pk>/", views.export_detail, name="export_detail"),
    path("tep-xuat/<int:pk>/trang-thai/", views.export_status, name="export_status"),
    path("tep-xuat/<int:pk>/tai-ve/", views.export_download, name="export_download"),
]
