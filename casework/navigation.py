from django.utils.translation import gettext_lazy as _

from casework.permissions import can_view_tasks
from casework.transfer_permissions import can_view_caseload, can_view_transfers
from reintegration.navigation import NavItem

# Tiles on the home page, where the day's panel lists the open tasks too: with them in the bar,
# the regional staff's menu (with its approvals) no longer fits a 1280-pixel screen in French.
ITEMS = [
    NavItem("task_list", _("Tasks"), can_view_tasks, order=14, in_menu=False),
    NavItem("caseload", _("Caseload"), can_view_caseload, order=15, in_menu=False),
    NavItem(
        "transfer_list", _("Transfers between centres"), can_view_transfers, order=16, in_menu=False
    ),
]
