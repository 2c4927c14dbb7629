from django.utils.translation import gettext_lazy as _

from ceremonies.permissions import can_view_ceremonies
from reintegration.navigation import NavItem

ITEMS = [NavItem("ceremony_list", _("Ceremonies"), can_view_ceremonies, order=60)]
