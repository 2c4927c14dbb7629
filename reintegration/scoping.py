"""The one way to read scoped data: ``Model.objects.visible_to(user)``.

Every model that holds data tied to a territory declares, per scope, the lookup path from the
model to that scope. A role whose scope has no path sees nothing of that model, which is how
"officials see no personal data" is expressed: the model simply declares no ``province`` path.
National administrators and auditors see everything (what auditors may *not* see, such as
detention records, is excluded by those models not declaring the auditor as a reader).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.http import Http404

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from reintegration.models import User

# The values of reintegration.models.Role, spelled out: models imports this module, so this
# one cannot import Role back (a test checks that the two agree).
# Roles whose scope is the whole country.
NATIONWIDE_ROLES = ("national", "auditor")
# Which scope each territorial role is bound to, and the user attribute holding it.
ROLE_SCOPE = {"coordinator": "centre", "regional": "region", "official": "province"}


class ScopedQuerySet(models.QuerySet):
    #: scope name ("centre", "region", "province") -> lookup path from this model to it.
    scope_paths: dict[str, str] = {}
    #: roles that may read this model at all; None means every role.
    reader_roles: tuple[str, ...] | None = None

    def visible_to(self, user: User | AnonymousUser) -> Self:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        role = user.role
        if self.reader_roles is not None and role not in self.reader_roles:
            return self.none()
        if role in NATIONWIDE_ROLES:
            return self.all()
        scope = ROLE_SCOPE.get(role)
        path = self.scope_paths.get(scope) if scope else None
        scope_id = getattr(user, f"{scope}_id", None) if scope else None
        if path is None or scope_id is None:
            return self.none()
        return self.filter(**{path: scope_id})


def get_visible_or_404(queryset: ScopedQuerySet, user: User | AnonymousUser, **lookup: Any) -> Any:
    """Fetch one object the user may see; anything else is indistinguishable from missing."""
    try:
        return queryset.visible_to(user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None
