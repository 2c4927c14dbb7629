from django.utils.translation import gettext_lazy as _

from casework.permissions import can_view_tasks
from reintegration.navigation import NavItem

ITEMS = [NavItem("task_list", _("Tasks"), can_view_tasks, order=15)]
