from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CeremoniesConfig(AppConfig):
    name = "ceremonies"
    verbose_name = _("Ceremonies and certificates")

    def ready(self) -> None:
        # Declares the app's kinds of job in every process: the page that follows a job asks
        # who besides its requester may see it (``reintegration.jobs.can_follow``).
        from beneficiaries import hooks
        from ceremonies import (
            jobs,  # noqa: F401
            milestones,
        )
        from ceremonies.access_request import handover_sections

        hooks.ACCESS_REQUEST_SECTIONS.append(handover_sections)
        milestones.register()
