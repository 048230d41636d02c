from django.urls import path

from platforms import views

app_name = "platforms"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("them/", views.platform_edit, name="platform_create"),
    path("<int:pk>/sua/", views.platform_edit, name="platform_edit"),
    path("hoc-sinh/<int:student>/tai-khoan/", views.account_add, name="account_add"),
    path("tai-khoan/<int:pk>/ngung/", views.account_deactivate, name="account_deactivate"),
]
