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


# --- Rows kept for tests on a live server ----------------------------------------------------
# Tests on a live server commit, and the flush after each empties the database: what several of
# them need alike is read once as rows (model instances, a list per table) and inserted again,
# with the same primary keys, one statement per table.

# The rows the migrations leave (regions and provinces, trades, programmes, the questionnaire),
# read by conftest.py once the test database is set up; ``reference_data`` inserts them again.
REFERENCE_ROWS: list[list] = []


def every_row() -> list[list]:
    """Every row of the database, a list per table, but for the content types and permissions,
    which the flush keeps (conftest.py)."""
    from django.apps import apps
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    tables = [
        list(model._base_manager.order_by("pk"))
        for model in apps.get_models(include_auto_created=True)
        if model not in (ContentType, Permission)
        and model._meta.managed
        and not model._meta.proxy
        and not model._meta.parents  # bulk_create cannot insert those
    ]
    return [rows for rows in tables if rows]


def insert_again(tables: list[list]) -> None:
    """Inserts rows read by ``every_row`` into the tables they came from, with their keys."""
    with transaction.atomic():
        for rows in tables:
            type(rows[0])._base_manager.bulk_create(rows)


def _values(row) -> list:
    return [getattr(row, field.attname) for field in row._meta.concrete_fields]


def built_once_committed(kept: dict, build: Callable[[], T]) -> T:
    """For a module whose tests on a live server start from the same data. The first test
    builds it with ``build()`` (through the services, as any test), in one transaction, and
    every row it wrote is read into ``kept`` (a module-scoped dict), with what ``build()``
    returned; each later test, its database emptied by the flush and the reference data back,
    inserts those rows again and gets the same value back. So ``build()`` returns plain values
    (primary keys, names), never model instances, which a test could change for the next. The
    build starts from the reference data alone and may not change them."""
    if kept:
        insert_again(kept["rows"])
        return kept["built"]
    with transaction.atomic():  # one commit, not one per service call
        built = build()
    reference = {(type(row), row.pk): _values(row) for rows in REFERENCE_ROWS for row in rows}
    written = []
    for rows in every_row():
        changed = [
            row for row in rows if reference.get((type(row), row.pk), _values(row)) != _values(row)
        ]
        assert not changed, f"the build changed reference rows, which are not kept: {changed}"
        written.append([row for row in rows if (type(row), row.pk) not in reference])
    kept.update(rows=[rows for rows in written if rows], built=built)
    return built


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
