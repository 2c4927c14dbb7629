"""The menu: every installed app's ``navigation.ITEMS``, in order, filtered by what the user
may open. Apps are found by name, so adding one needs no change here."""

from __future__ import annotations

from functools import cache
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from reintegration.navigation import NavItem
from reintegration.permissions import signed_in

ITEMS = [NavItem("home", _("Home"), signed_in, order=0)]


@cache
def all_items() -> tuple[NavItem, ...]:
    items: list[NavItem] = []
    for config in apps.get_app_configs():
        module_name = f"{config.name}.navigation"
        if find_spec(module_name) is not None:
            items += getattr(import_module(module_name), "ITEMS", [])
    return tuple(sorted(items, key=lambda item: item.order))


def navigation_for(user) -> list[NavItem]:
    return [item for item in all_items() if item.check(user)]
