from django.urls import path

from coverage import views

app_name = "coverage"

urlpatterns = [
    path("", views.point_map, name="map"),
    path("danh-sach/", views.point_list, name="list"),
    path("uu-tien/", views.gap_ranking, name="ranking"),
    path("tien-do/", views.progress, name="progress"),
    path("bao-cao-song/", views.school_report, name="report"),
    path("diem/them/", views.point_create, name="create"),
    path("diem/<int:pk>/", views.point_detail, name="detail"),
    path("diem/<int:pk>/sua/", views.point_edit, name="edit"),
    path("diem/<int:pk>/do-song/", views.signal_record, name="signal"),
    path("diem/<int:pk>/danh-sach-bo/", views.ministry_toggle, name="ministry"),
    path("diem/<int:pk>/ke-hoach/", views.plan_edit, name="plan"),
    path("diem/<int:pk>/ke-hoach/ghi-chu/", views.plan_note, name="plan_note"),
    path("nhap/", views.import_upload, name="import"),
    path("nhap/<int:pk>/", views.import_detail, name="import_detail"),
    path("nhap/<int:pk>/xac-nhan/", views.import_confirm, name="import_confirm"),
    path("nhap/<int:pk>/tep-loi/", views.import_error_copy, name="import_errors"),
]
