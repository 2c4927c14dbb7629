"""The apps are floors of one house: each imports only the floors below it, so that a change
to a lower floor never needs an upper one, and no two apps import each other. This reads
every import statement of the product code (lazy ones inside functions included) with the
standard library's parser; tests and migrations may use any floor."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

# From the ground up (docs/architecture.md draws the same picture).
FLOORS = [
    "reintegration",
    "beneficiaries",
    "casework",
    "partners",
    "projects",
    "ceremonies",
    "dashboard",
]
# Development only, beside the top floor: it may use every app but the top one, and no app
# may use it (it is not installed in production).
SAMPLEDATA = "sampledata"
APPS = [*FLOORS, SAMPLEDATA]


def imported_apps(source: str) -> set[str]:
    """The project apps that ``source`` imports."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & set(APPS)
    return found


def may_import(importer: str, imported: str) -> bool:
    if importer == imported:
        return True
    if imported == SAMPLEDATA:
        return False
    if importer == SAMPLEDATA:
        return imported != "dashboard"
    return FLOORS.index(imported) < FLOORS.index(importer)


def product_modules(app: str):
    for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
        parts = path.relative_to(settings.BASE_DIR).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def upward_imports() -> list[str]:
    problems = []
    for app in APPS:
        for path in product_modules(app):
            for imported in sorted(imported_apps(path.read_text())):
                if not may_import(app, imported):
                    name = path.relative_to(settings.BASE_DIR).as_posix()
                    problems.append(f"{name} imports {imported}")
    return problems


def test_no_app_imports_an_app_above_it_or_one_that_imports_it_back():
    assert upward_imports() == []


def test_every_project_app_has_its_floor():
    installed = {
        name.split(".")[0]
        for name in settings.INSTALLED_APPS
        if (Path(settings.BASE_DIR) / name.split(".")[0]).is_dir()
    }
    # sampledata is installed outside production only; the test settings are not production.
    assert installed == set(APPS)


@pytest.mark.parametrize(
    ("app", "source", "allowed"),
    [
        ("beneficiaries", "from projects.models import OPEN_STATUSES", False),
        ("beneficiaries", "def f():\n    from projects import permissions\n", False),
        ("reintegration", "import dashboard.selectors", False),
        ("partners", "from ceremonies import services", False),
        ("projects", "from partners import services", True),
        ("ceremonies", "from projects.models import LifeProject", True),
        ("dashboard", "from ceremonies.models import Ceremony", True),
        ("dashboard", "from sampledata import staff", False),
        ("sampledata", "from ceremonies import services", True),
        ("sampledata", "from dashboard import views", False),
        ("projects", "from . import permissions", True),
    ],
)
def test_the_rule_reads_lazy_and_relative_imports(app, source, allowed):
    assert all(may_import(app, imported) for imported in imported_apps(source)) is allowed
