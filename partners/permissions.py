from reintegration.models import Role
from reintegration.permissions import has_role

ALL_ROLES = (Role.COORDINATOR, Role.REGIONAL, Role.OFFICIAL, Role.NATIONAL, Role.AUDITOR)


def can_view_conventions(user) -> bool:
    # Which ones: Convention.objects.visible_to (the territory of the user).
    return has_role(user, ALL_ROLES)


def can_manage_conventions(user) -> bool:
    return has_role(user, (Role.NATIONAL,))


def can_view_partner_services(user) -> bool:
    # Staff who refer people read what partners offer; officials and auditors read it too.
    return has_role(user, ALL_ROLES)


def can_manage_partner_services(user) -> bool:
    """The catalogue of partners' services is headquarters' reference data."""
    return has_role(user, (Role.NATIONAL,))
