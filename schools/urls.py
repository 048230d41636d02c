from django.urls import path

from schools import views

app_name = "schools"

urlpatterns = [
    path("truong/", views.school_list, name="school_list"),
    path("truong/<int:pk>/", views.school_detail, name="school_detail"),
    path("huyen/<int:pk>/", views.district_detail, name="district_detail"),
]
