from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Báo cáo")

    def ready(self) -> None:
        from kernel.exports import register_export
        from reports.exporters import OutreachExporter
        from reports.exports import register
        from reports.selectors import outreach_list
        from reports.services import sweep_reports
        from taskqueue.services import register_sweeper

        register_sweeper("reports.progress_reports", sweep_reports)

        register_export(
            "reports.outreach",
            label="Hoạt động tuyên truyền",
            filename="hoat-dong-tuyen-truyen.xlsx",
            exporter=OutreachExporter,
            objects=outreach_list,
            capabilities=("can_view_reports",),  # the outreach page's own rule
        )
        register()
