from django.utils.translation import gettext_lazy as _

from casework.transfer_permissions import can_view_caseload, can_view_transfers
from reintegration.navigation import NavItem

# Tiles on the home page: the bar must fit a 1280-pixel screen in French.
ITEMS = [
    NavItem("caseload", _("Caseload"), can_view_caseload, order=15, in_menu=False),
    NavItem(
        "transfer_list", _("Transfers between centres"), can_view_transfers, order=16, in_menu=False
    ),
]
