from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")

    def ready(self) -> None:
        from beneficiaries import hooks
        from casework import consent, presenting, services, transfer_permissions, transfers
        from casework.access_request import task_sections, transfer_sections
        from casework.models import TransferRequest

        def transfer_context(user, beneficiary) -> dict:
            return {
                "can_request_transfer": transfer_permissions.can_request_transfer(
                    user, beneficiary
                ),
                "transfers": (
                    beneficiary.transfers.select_related(
                        "from_centre", "to_centre", "requested_by", "answered_by"
                    )
                    if hooks.section_may_show(beneficiary, "has_transfers")
                    else []
                ),
            }

        def transfer_flags(user) -> dict:
            return {"has_transfers": TransferRequest.objects.all()}

        transfers.register_notifications()
        hooks.FILE_PAGE_CONTEXT.append(transfer_context)
        hooks.FILE_PAGE_FLAGS.append(transfer_flags)
        hooks.ANONYMISERS.append(transfers.transfers_anonymise)
        hooks.ACCESS_REQUEST_SECTIONS.append(transfer_sections)
        hooks.FILE_CHANGED.append(services.sync_after_commit)
        hooks.FILE_PAGE_CONTEXT.append(presenting.file_page)
        hooks.FILE_PAGE_FLAGS.append(presenting.file_page_flags)
        hooks.ANONYMISERS.append(services.task_records_anonymise)
        hooks.ACCESS_REQUEST_SECTIONS.append(task_sections)
        services.register_notifications()
        consent.register()
