from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Tài khoản và phân quyền")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks
        from django.utils.module_loading import autodiscover_modules

        from accounts.checks import check_site_url
        from accounts.middleware import start_session_clock
        from accounts.services import record_access, record_audit
        from kernel import audit

        # Code below accounts (schools, the kernel's workflows) writes through this port.
        audit.install(audit=record_audit, access=record_access)

        # Any login (the portal's page, the admin's, a test client) starts the clock.
        user_logged_in.connect(start_session_clock, dispatch_uid="accounts.session_clock")
        checks.register(check_site_url)
        # Every app's named predicates (``<app>/rules.py``), for ``{% allowed %}``.
        autodiscover_modules("rules")
        # Every app's words for its audit actions (``<app>/audit_actions.py``), for histories.
        autodiscover_modules("audit_actions")
        # Every app's first-run checklist items (``<app>/setup_checks.py``).
        autodiscover_modules("setup_checks")
