from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiariesConfig(AppConfig):
    name = "beneficiaries"
    verbose_name = _("Beneficiaries")

    def ready(self) -> None:
        # Declares the app's kinds of job in every process: the page that follows a job asks
        # who besides its requester may see it (``reintegration.jobs.can_follow``).
        from beneficiaries import jobs  # noqa: F401
        from beneficiaries.texting import queued_text_refusal
        from reintegration import outbox

        outbox.SEND_CHECKS.append(queued_text_refusal)
