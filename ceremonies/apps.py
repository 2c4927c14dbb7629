from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CeremoniesConfig(AppConfig):
    name = "ceremonies"
    verbose_name = _("Ceremonies and certificates")

    def ready(self) -> None:
        from beneficiaries import hooks
        from ceremonies.access_request import handover_sections

        hooks.ACCESS_REQUEST_SECTIONS.append(handover_sections)
