from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CeremoniesConfig(AppConfig):
    name = "ceremonies"
    verbose_name = _("Ceremonies and certificates")

    def ready(self) -> None:
        # Declares the app's kinds of job in every process: the page that follows a job asks
        # who besides its requester may see it (``reintegration.jobs.can_follow``).
        from beneficiaries import hooks
        from casework import transfers
        from ceremonies import (
            jobs,  # noqa: F401
            milestones,
            outcomes,
            services,
            texting,
            verification,
        )
        from ceremonies.access_request import handover_sections
        from ceremonies.services import ceremony_transfer_refusal
        from partners import hooks as partner_hooks
        from reintegration import notifications

        hooks.ACCESS_REQUEST_SECTIONS.append(handover_sections)
        hooks.TEXT_KINDS.update({kind.code: kind for kind in texting.KINDS})
        transfers.TRANSFER_CHECKS.append(ceremony_transfer_refusal)
        notifications.register(
            services.PLANNED, label=services.PLANNED_LABEL, message=services.PLANNED_MESSAGE
        )
        milestones.register()
        verification.register_milestone()
        hooks.ACCESS_REQUEST_SECTIONS.append(verification.access_sections)
        hooks.ANONYMISERS.append(verification.checks_anonymise)
        partner_hooks.CONVENTION_SECTIONS.append(verification.convention_section)
        partner_hooks.CONVENTION_SECTIONS.append(outcomes.convention_section)
