from django.urls import path

from rounds import deadline_views, quota_views, views

app_name = "rounds"

urlpatterns = [
    path("", views.round_list, name="list"),
    path("tao-moi/", views.round_create, name="create"),
    path("<int:pk>/", views.round_detail, name="detail"),
    path("<int:pk>/sua/", views.round_edit, name="edit"),
    path("<int:pk>/dong/", views.round_close, name="close"),
    path("<int:pk>/chi-tieu/", quota_views.round_quotas, name="quotas"),
    path("<int:pk>/chi-tieu-truong/", quota_views.round_split, name="split"),
    path("<int:pk>/hop-thu/", quota_views.round_inbox, name="inbox"),
    path("<int:pk>/han-de-xuat/", deadline_views.round_deadlines, name="deadlines"),
    path("<int:pk>/tien-do.xlsx", views.round_export, name="export"),
    path("<int:pk>/lap-danh-sach/", views.proposal_start, name="proposal_start"),
    path("de-xuat/<int:pk>/", views.proposal_detail, name="proposal"),
    path("de-xuat/<int:pk>/them/", views.proposal_add, name="proposal_add"),
    path("de-xuat/<int:pk>/luu/", views.proposal_update, name="proposal_update"),
    path("de-xuat/<int:pk>/goi-y/", views.proposal_suggest, name="proposal_suggest"),
    path("de-xuat/<int:pk>/hoc-sinh/", views.proposal_decide_items, name="proposal_decide_items"),
    path("de-xuat/<int:pk>/xlsx/", views.proposal_export, name="proposal_export"),
    path("de-xuat/<int:pk>/<slug:name>/", views.proposal_transition, name="proposal_transition"),
    path("hoc-sinh/<int:pk>/", views.student_history, name="student_history"),
    path("hoc-sinh/<int:pk>/mo-khoa/", views.student_unlock, name="student_unlock"),
]
