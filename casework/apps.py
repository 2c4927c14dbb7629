from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")

    def ready(self) -> None:
        from beneficiaries import hooks
        from casework import consent, presenting, services
        from casework.access_request import task_sections

        hooks.FILE_CHANGED.append(services.sync_after_commit)
        hooks.FILE_PAGE_CONTEXT.append(presenting.file_page)
        hooks.ANONYMISERS.append(services.task_records_anonymise)
        hooks.ACCESS_REQUEST_SECTIONS.append(task_sections)
        services.register_notifications()
        consent.register()
