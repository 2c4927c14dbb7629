from django.utils.translation import gettext_lazy as _

from partners.permissions import can_view_conventions
from reintegration.navigation import NavItem

ITEMS = [NavItem("convention_list", _("Conventions"), can_view_conventions, order=50)]
