from django.utils.translation import gettext_lazy as _

from projects.permissions import can_use_inbox, can_view_projects
from projects.referral_permissions import can_view_referrals
from reintegration.navigation import NavItem

ITEMS = [
    NavItem("project_list", _("Life projects"), can_view_projects, order=20),
    NavItem("approval_inbox", _("Approvals"), can_use_inbox, order=30),
    NavItem("overdue_visits", _("Overdue visits"), can_view_projects, order=40),
    NavItem(
        "referral_list", _("Referrals to follow up"), can_view_referrals, order=45, in_menu=False
    ),
]
