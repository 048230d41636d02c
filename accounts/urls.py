from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("thong-bao/", views.notifications, name="notifications"),
    path("thong-bao/da-doc/", views.notifications_mark_read, name="notifications_mark_read"),
    path("truy-cap-du-lieu/", views.data_access_list, name="data_access_list"),
    path("mat-khau/doi/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "mat-khau/doi/xong/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("mat-khau/quen/", views.PasswordResetView.as_view(), name="password_reset"),
    path("kich-hoat/", views.activate, name="activate"),
    path("kich-hoat/<int:pk>/<str:token>/", views.activate_link, name="activate_link"),
    path("tai-khoan/phieu-kich-hoat/", views.activation_sheet, name="activation_sheet"),
    path("quan-ly/bat-dau/", views.setup_checklist, name="setup_checklist"),
    path("xac-thuc-hai-buoc/", views.otp_verify, name="otp_verify"),
    path("xac-thuc-hai-buoc/dang-ky/", views.otp_enrol, name="otp_enrol"),
    path("xac-thuc-hai-buoc/quan-ly/", views.otp_manage, name="otp_manage"),
    path(
        "mat-khau/quen/da-gui/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "mat-khau/dat-lai/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "mat-khau/dat-lai/xong/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
