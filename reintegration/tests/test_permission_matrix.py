"""Every URL of the application, requested by an anonymous visitor and by each role.

The matrix is the role table of ARCHITECTURE.md made executable. A new URL that is not in it
fails ``test_every_url_is_in_the_matrix``, so no view escapes the review of who may use it.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

ROLES = ("coordinator", "regional", "official", "national", "auditor")
ANONYMOUS = "anonymous"
LOGIN = 302  # anonymous visitors are sent to the sign-in page


def everyone(status, anonymous=LOGIN):
    return {ANONYMOUS: anonymous, **dict.fromkeys(ROLES, status)}


def only(allowed, anonymous=LOGIN, denied=403):
    return {ANONYMOUS: anonymous, **{r: 200 if r in allowed else denied for r in ROLES}}


# url name -> (method, expected status per visitor). POST entries send an empty form.
MATRIX = {
    "home": ("get", everyone(200)),
    "centre_list": ("get", everyone(200)),
    "audit_log": ("get", only({"national", "auditor"})),
    "set_language": ("post", everyone(302, anonymous=302)),
    "healthz": ("get", everyone(200, anonymous=200)),
    "login": ("get", {ANONYMOUS: 200, **dict.fromkeys(ROLES, 302)}),
    "logout": ("post", everyone(302, anonymous=302)),
    "password_change": ("get", everyone(200)),
    "password_change_done": ("get", everyone(200)),
    "admin:index": ("get", only({"national"})),
}

# The Django admin's generated URLs all pass through one gate, AdminSite.has_permission,
# covered here by "admin:index" and in test_admin.py per model.
DELEGATED_NAMESPACES = {"admin"}


def all_url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from all_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed>"


def test_every_url_is_in_the_matrix():
    names = {
        name
        for name in all_url_names()
        if name.split(":")[0] not in DELEGATED_NAMESPACES or name == "admin:index"
    }
    assert names - MATRIX.keys() == set(), "add these URLs to the permission matrix"
    assert MATRIX.keys() - names == set(), "these matrix entries no longer exist"


@pytest.mark.parametrize("visitor", [ANONYMOUS, *ROLES])
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_permission_matrix(client, users, url_name, visitor):
    method, expected = MATRIX[url_name]
    if visitor != ANONYMOUS:
        client.force_login(users[visitor])
    response = getattr(client, method)(reverse(url_name))
    assert response.status_code == expected[visitor], (url_name, visitor)
    if visitor == ANONYMOUS and expected[visitor] == LOGIN and method == "get":
        assert response["Location"].startswith(reverse("login"))
