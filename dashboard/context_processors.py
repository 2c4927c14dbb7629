from beneficiaries.permissions import can_view_beneficiaries
from dashboard.navigation import navigation_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {"nav_items": [], "file_search": False}
    return {"nav_items": navigation_for(user), "file_search": can_view_beneficiaries(user)}
