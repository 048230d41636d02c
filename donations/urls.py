from django.urls import path

from donations import views

app_name = "donations"

urlpatterns = [
    path("", views.donor_list, name="donors"),
    path("xuat-excel/", views.donor_export, name="donor_export"),
    path("nha-tai-tro/them/", views.donor_create, name="donor_create"),
    path("nha-tai-tro/<int:pk>/", views.donor_detail, name="donor_detail"),
    path("nha-tai-tro/<int:pk>/sua/", views.donor_edit, name="donor_edit"),
    path("nha-tai-tro/<int:pk>/thiet-bi.xlsx", views.donor_devices_export, name="donor_devices"),
    path("nha-tai-tro/<int:donor_pk>/cam-ket/them/", views.pledge_create, name="pledge_create"),
    path("cam-ket/<int:pk>/", views.pledge_detail, name="pledge_detail"),
    path("cam-ket/<int:pk>/sua/", views.pledge_edit, name="pledge_edit"),
    path("cam-ket/<int:pledge_pk>/thu-tien/", views.cash_receipt_create, name="cash_receipt"),
    path(
        "cam-ket/<int:pledge_pk>/nhan-hien-vat/",
        views.inkind_receipt_create,
        name="inkind_receipt",
    ),
    path("khoan-thu/", views.receipt_list, name="receipts"),
    path("khoan-thu/<int:pk>/giay-xac-nhan.pdf", views.cash_receipt_letter, name="cash_letter"),
    path("hien-vat/<int:pk>/giay-xac-nhan.pdf", views.inkind_receipt_letter, name="inkind_letter"),
    path("khoan-chi/", views.spending_list, name="spendings"),
    path("khoan-chi/them/", views.spending_create, name="spending_create"),
    path("cong-khai/", views.public, name="public"),
]
