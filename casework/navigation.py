from django.utils.translation import gettext_lazy as _

from casework.permissions import can_view_tasks
from reintegration.navigation import NavItem

# A tile on the home page, where the day's panel lists the open tasks too: in the bar, the
# regional staff's menu (with its approvals) no longer fits a 1280-pixel screen in French.
ITEMS = [NavItem("task_list", _("Tasks"), can_view_tasks, order=15, in_menu=False)]
