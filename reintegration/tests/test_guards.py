"""Views guard one way (reintegration.permissions): ``@requires(can_x)`` for what the role may
do, ``allow(can_y, user, obj)`` for what it may do with an object fetched in its scope. A view
module that refuses by itself, with its own helper or an inline ``raise PermissionDenied``,
is a second way that the permission matrix would have to find by chance."""

from __future__ import annotations

import ast

from reintegration.tests.test_refusals import modules

# Names through which a view could refuse a request on its own.
OWN_REFUSALS = {"PermissionDenied", "HttpResponseForbidden"}


def own_guards(trees) -> set[str]:
    found = set()
    for module, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.alias):
                name = node.asname or node.name
            elif isinstance(node, ast.Name):
                name = node.id
            elif isinstance(node, ast.Attribute):
                name = node.attr
            else:
                continue
            if name.split(".")[-1] in OWN_REFUSALS:
                found.add(f"{module} uses {name.split('.')[-1]}")
    return found


def test_views_guard_only_with_requires_and_allow():
    views = [(module, tree) for module, tree in modules() if "/views" in module]
    assert len(views) >= 6
    assert own_guards(views) == set()


def test_the_rule_finds_an_inline_refusal_and_a_local_helper():
    inline = "from django.core.exceptions import PermissionDenied\n"
    helper = (
        "from django.core import exceptions\n"
        "def _allow(check, user):\n"
        "    raise exceptions.PermissionDenied\n"
    )
    assert own_guards([("a.py", ast.parse(inline)), ("b.py", ast.parse(helper))]) == {
        "a.py uses PermissionDenied",
        "b.py uses PermissionDenied",
    }
