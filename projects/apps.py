from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Life projects")

    def ready(self) -> None:
        from beneficiaries import hooks
        from casework import caseload
        from projects import caseload as project_figures
        from projects import milestones, permissions, services
        from projects.access_request import project_sections
        from projects.models import OPEN_STATUSES, LifeProject
        from reintegration.permissions import has_role

        def open_project(beneficiary) -> str:
            if beneficiary.projects.filter(status__in=OPEN_STATUSES).exists():
                # Money may be committed to it: the project must be closed, rejected or
                # abandoned first.
                return str(
                    _("This person has an open life project: close or abandon it before archiving.")
                )
            return ""

        def file_page(user, beneficiary) -> dict:
            return {"can_start_project": permissions.can_create_project(user, beneficiary)}

        def file_page_flags(user) -> dict:
            # What can_create_project asks, read with the file.
            if not has_role(user, permissions.WRITERS):
                return {}
            return {"has_open_project": LifeProject.objects.filter(status__in=OPEN_STATUSES)}

        hooks.ARCHIVE_CHECKS.append(open_project)
        hooks.FILE_PAGE_CONTEXT.append(file_page)
        hooks.FILE_PAGE_FLAGS.append(file_page_flags)
        hooks.ANONYMISERS.append(services.project_records_anonymise)
        hooks.ACCESS_REQUEST_SECTIONS.append(project_sections)
        services.register_notifications()
        from projects import texting

        hooks.TEXT_KINDS.update({kind.code: kind for kind in texting.KINDS})
        caseload.FIGURES.extend(project_figures.FIGURES)
        milestones.register()
        self._referrals_ready()

    def _referrals_ready(self) -> None:
        """Referrals to partners' services and placements in employment: their section of the
        file page and of the right-of-access PDF, the free text the retention job clears, and
        the tasks that remind the referent to follow them up."""
        from beneficiaries import hooks
        from projects import placements, referral_milestones, referral_views, referrals
        from projects.access_request import referral_sections

        hooks.FILE_PAGE_CONTEXT.append(referral_views.file_section)
        hooks.FILE_PAGE_FLAGS.append(referral_views.file_section_flags)
        hooks.ACCESS_REQUEST_SECTIONS.append(referral_sections)
        hooks.ANONYMISERS.append(referrals.referrals_anonymise)
        hooks.ANONYMISERS.append(placements.placements_anonymise)
        referral_milestones.register()
