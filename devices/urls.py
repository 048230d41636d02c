from django.urls import path

from devices.views import allocations, readiness, stock, subscriptions

app_name = "devices"

urlpatterns = [
    path("", stock.stock, name="stock"),
    path("<int:pk>/", stock.device_detail, name="device_detail"),
    path("<int:pk>/thanh-ly/", stock.device_write_off, name="device_write_off"),
    path("nhap/", stock.receive, name="receive"),
    path("nhap-tep/", stock.import_devices, name="import"),
    path("nhap-tep/<int:pk>/", stock.import_result, name="import_result"),
    path("nhap-tep/<int:pk>/xac-nhan/", stock.import_confirm, name="import_confirm"),
    path("nhap-tep/<int:pk>/loi.xlsx", stock.import_errors, name="import_errors"),
    path("nguon/", stock.sources, name="sources"),
    path("nguon/them/", stock.source_create, name="source_create"),
    path("dieu-chuyen/", stock.transfers, name="transfers"),
    path("dieu-chuyen/tao/", stock.transfer_create, name="transfer_create"),
    path("dieu-chuyen/<int:pk>/", stock.transfer_detail, name="transfer_detail"),
    path("dieu-chuyen/<int:pk>/xac-nhan/", stock.transfer_confirm, name="transfer_confirm"),
    path("dieu-chuyen/<int:pk>/bien-ban.pdf", stock.transfer_slip, name="transfer_slip"),
    path("dieu-chuyen/<int:pk>/huy/", stock.transfer_cancel, name="transfer_cancel"),
    path("nguoi-nhan/", allocations.beneficiaries, name="beneficiaries"),
    path("san-sang-hoc-truc-tuyen/", readiness.readiness_list, name="readiness"),
    path("nguoi-nhan/<int:item>/cap-phat/", allocations.allocate, name="allocate"),
    path("cap-phat/", allocations.allocations, name="allocations"),
    path("cap-phat/<int:pk>/", allocations.allocation_detail, name="allocation_detail"),
    path("cap-phat/<int:pk>/bien-ban.pdf", allocations.allocation_pdf, name="allocation_pdf"),
    path("cap-phat/<int:pk>/ban-quet/", allocations.allocation_scan, name="allocation_scan"),
    path(
        "cap-phat/<int:pk>/ban-giao/", allocations.allocation_handover, name="allocation_handover"
    ),
    path("cap-phat/<int:pk>/thu-hoi/", allocations.allocation_return, name="allocation_return"),
    path("cap-phat/<int:pk>/huy/", allocations.allocation_cancel, name="allocation_cancel"),
    path("goi-cuoc/", subscriptions.subscriptions, name="subscriptions"),
    path("goi-cuoc/danh-muc/", subscriptions.packages, name="packages"),
    path("goi-cuoc/dang-ky/", subscriptions.subscription_create, name="subscription_create"),
    path("goi-cuoc/<int:pk>/", subscriptions.subscription_detail, name="subscription_detail"),
    path(
        "goi-cuoc/<int:pk>/su-co/", subscriptions.subscription_problem, name="subscription_problem"
    ),
    path("goi-cuoc/su-co/<int:pk>/xu-ly/", subscriptions.problem_resolve, name="problem_resolve"),
    path("goi-cuoc/nhap-trang-thai/", subscriptions.status_import, name="status_import"),
    path(
        "goi-cuoc/nhap-trang-thai/<int:pk>/",
        subscriptions.status_import_result,
        name="status_import_result",
    ),
    path(
        "goi-cuoc/nhap-trang-thai/<int:pk>/loi.xlsx",
        subscriptions.status_import_errors,
        name="status_import_errors",
    ),
    path(
        "goi-cuoc/nhap-trang-thai/<int:pk>/xac-nhan/",
        subscriptions.status_import_confirm,
        name="status_import_confirm",
    ),
]
