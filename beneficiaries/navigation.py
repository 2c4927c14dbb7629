from django.utils.translation import gettext_lazy as _

from beneficiaries.permissions import can_view_beneficiaries
from reintegration.navigation import NavItem

ITEMS = [NavItem("beneficiary_list", _("Beneficiaries"), can_view_beneficiaries, order=10)]
