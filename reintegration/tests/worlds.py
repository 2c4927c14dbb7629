"""Worlds built once per module: the rows many tests of a module read, created once inside a
transaction that stays open for the module's tests and is rolled back after its last one.

pytest-django runs each test in its own atomic block; opened inside this one, it becomes a
savepoint, so what a test changes is undone before the next test, and the world itself is gone
before the next module, on SQLite and PostgreSQL alike. Use it only for modules whose tests
all run in a transaction (no ``transaction=True``, no live server), and hand tests objects
reloaded from the database rather than the instances built here, so that nothing a test does
to an instance in memory reaches the next test.

    @pytest.fixture(scope="module")
    def world(django_db_setup, django_db_blocker, tmp_path_factory):
        yield from built_once(django_db_blocker, tmp_path_factory, build)
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import transaction
from django.test.utils import override_settings

T = TypeVar("T")


def built_once(django_db_blocker, tmp_path_factory, build: Callable[[], T]) -> Iterator[T]:
    """Yields what ``build()`` returns, built in a transaction rolled back at the end."""
    # Files, should building make any, go to a directory of their own, never the real media
    # (tests have their own MEDIA_ROOT: a world is no place for files tests read).
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("world-media"))
    with django_db_blocker.unblock(), media:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build()
        except BaseException:
            atomic.__exit__(*sys.exc_info())
            raise
    try:
        yield world
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# The people and places most tests share; the fixtures of the same names in conftest.py return
# them for one test, modules with a world of their own build them once with it.


def make_centre():
    """Tanger's centre."""
    from reintegration.tests.factories import CentreFactory

    return CentreFactory(code="TNG", province__code="01.511")


def make_users(centre) -> dict:
    """One user per role, all scoped to the area around ``centre`` (Tanger)."""
    from reintegration.tests.factories import UserFactory

    return {
        "coordinator": UserFactory(coordinator=True, centre=centre),
        "regional": UserFactory(regional=True, region=centre.province.region),
        "official": UserFactory(official=True, province=centre.province),
        "national": UserFactory(national=True),
        "auditor": UserFactory(auditor=True),
    }


def make_elsewhere() -> dict:
    """Casablanca: another region, its own coordinator and regional staff."""
    from reintegration.tests.factories import CentreFactory, UserFactory

    centre = CentreFactory(code="CAS", province__code="06.141")
    return {
        "centre": centre,
        "coordinator": UserFactory(coordinator=True, centre=centre),
        "regional": UserFactory(regional=True, region=centre.province.region),
    }


def make_convention(centre):
    """An active committee convention covering ``centre``'s province, with room to spare."""
    import datetime
    from decimal import Decimal

    from partners.models import Convention

    convention = Convention.objects.create(
        reference="CPDH-TNG-TEST",
        title="Convention de test",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2030, 12, 31),
        envelope=Decimal("10000000.00"),
        status=Convention.Status.ACTIVE,
    )
    convention.provinces.add(centre.province)
    return convention
