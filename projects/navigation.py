from django.utils.translation import gettext_lazy as _

from projects.permissions import can_use_inbox, can_view_projects
from reintegration.navigation import NavItem

ITEMS = [
    NavItem("project_list", _("Life projects"), can_view_projects, order=20),
    NavItem("approval_inbox", _("Approvals"), can_use_inbox, order=30),
    NavItem("overdue_visits", _("Overdue visits"), can_view_projects, order=40),
]
