from django.utils.translation import gettext_lazy as _

from partners.permissions import can_view_conventions, can_view_partner_services
from reintegration.navigation import NavItem

ITEMS = [
    NavItem("convention_list", _("Conventions"), can_view_conventions, order=50),
    NavItem(
        "partner_service_list",
        _("Partners' services"),
        can_view_partner_services,
        order=55,
        in_menu=False,
    ),
]
