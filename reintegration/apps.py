from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReintegrationConfig(AppConfig):
    name = "reintegration"
    verbose_name = _("Organisation")

    def ready(self):
        from reintegration import checks, signals  # noqa: F401  (registers them)
