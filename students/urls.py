from django.urls import path

from students import views

app_name = "students"

urlpatterns = [
    path("", views.student_list, name="list"),
    path("xuat-excel/", views.student_export, name="export"),
    path("them/", views.student_create, name="create"),
    path("<int:pk>/", views.student_detail, name="detail"),
    path("<int:pk>/sua/", views.student_update, name="update"),
    path("<int:pk>/xem-day-du/", views.student_reveal, name="reveal"),
    path("<int:pk>/xoa/", views.student_delete, name="delete"),
    path("trung-lap/", views.duplicate_review, name="duplicates"),
    path("trung-lap/khong-trung/", views.duplicate_dismiss, name="duplicate_dismiss"),
    path("trung-lap/gop/", views.duplicate_merge, name="duplicate_merge"),
    path("nhap-tep/", views.import_upload, name="import"),
    path("nhap-tep/lich-su/", views.import_list, name="import_list"),
    path("nhap-tep/<int:pk>/", views.import_detail, name="import_detail"),
    path("nhap-tep/<int:pk>/kiem-tra/", views.import_check, name="import_check"),
    path("nhap-tep/<int:pk>/xac-nhan/", views.import_confirm, name="import_confirm"),
    path("nhap-tep/<int:pk>/huy/", views.import_cancel, name="import_cancel"),
    path("nhap-tep/<int:pk>/chon-gia-tri/", views.import_choose, name="import_choose"),
    path("nhap-tep/<int:pk>/thay-doi.xlsx", views.import_changes_export, name="import_changes"),
    path("nhap-tep/<int:pk>/trang-thai/", views.import_status, name="import_status"),
    path("nhap-tep/<int:pk>/tep-loi/", views.import_error_file, name="import_error_file"),
]
