from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class ReintegrationConfig(AppConfig):
    name = "reintegration"
    verbose_name = _("Organisation")

    def ready(self):
        from reintegration import checks, protected_records, signals  # noqa: F401  (registers them)

        # SQLite's triggers on protected records call a function of the connection.
        connection_created.connect(
            protected_records.install_sqlite_function, dispatch_uid="protected_records"
        )
