from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Dashboards and reports")

    def ready(self) -> None:
        # Declares the app's kinds of job in every process: the page that follows a job asks
        # who besides its requester may see it (``reintegration.jobs.can_follow``).
        from dashboard import (
            jobs,  # noqa: F401
            summary,
        )
        from reintegration import audit

        # Every change's audit entry says which centres' kept figures it made stale.
        if summary.entry_recorded not in audit.RECORDED:
            audit.RECORDED.append(summary.entry_recorded)
