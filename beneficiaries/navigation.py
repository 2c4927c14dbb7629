from django.utils.translation import gettext_lazy as _

from beneficiaries.permissions import can_view_beneficiaries, can_view_questionnaires
from reintegration.navigation import NavItem

ITEMS = [
    NavItem("beneficiary_list", _("Beneficiaries"), can_view_beneficiaries, order=10),
    # A home-page tile for headquarters: the questions and scoring of each version.
    NavItem(
        "questionnaire_list",
        _("Needs questionnaires"),
        can_view_questionnaires,
        order=85,
        in_menu=False,
    ),
]
