from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Quản trị cổng “Sóng và máy tính cho em” – Lào Cai")
admin.site.site_title = _("Quản trị cổng Sóng và máy tính cho em")
admin.site.index_title = _("Quản trị hệ thống")

urlpatterns = [
    path("quan-tri/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("don-vi/", include("schools.urls")),
    path("hoc-sinh/", include("students.urls")),
    path("dot-ho-tro/", include("rounds.urls")),
    path("thiet-bi/", include("devices.urls")),
    path("nen-tang-hoc-tap/", include("platforms.urls")),
    path("phu-song/", include("coverage.urls")),
    path("tai-tro/", include("donations.urls")),
    path("bao-cao/", include("reports.urls")),
]
