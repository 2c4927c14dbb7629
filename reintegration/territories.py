"""The 12 regions and 83 prefectures/provinces (HCP, RGPH 2024; see data/README.md): loading
them, and listing them for people to choose from."""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Case, Q, Value, When

from reintegration.text import fold

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from reintegration.models import User

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load(region_model: Any, province_model: Any) -> tuple[int, int]:
    """Create or refresh every region and province; safe to run again. Works with the
    historical models of a migration as well as the real ones."""
    regions = {}
    for row in read_rows("regions.csv"):
        regions[row["code"]], _created = region_model.objects.update_or_create(
            code=row["code"], defaults={"name_fr": row["name_fr"], "name_ar": row["name_ar"]}
        )
    provinces = read_rows("provinces.csv")
    for row in provinces:
        province_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"],
                "kind": row["type"],
                "region": regions[row["region_code"]],
            },
        )
    return len(regions), len(provinces)


@lru_cache(maxsize=1024)
def name_order(name: str) -> str:
    """How place names are sorted for the reader: case, accents and hamza folded
    (``text.fold``), so "Écoles" sorts among the E and "أزيلال" among the alif. Kept for the
    names seen (a few hundred places): every list page sorts the 83 provinces again."""
    return fold(name)


def _home(user: User | None) -> Q | None:
    """Which provinces a user works in, listed first wherever they choose one, as a condition
    on provinces: their centre's, their own (officials) or their region's."""
    # Imported here: the data migration imports this module before the models are ready.
    from reintegration.models import Centre, Role

    if user is None or not user.is_authenticated:
        return None
    if user.role == Role.COORDINATOR and user.centre_id:
        return Q(pk__in=Centre.objects.filter(pk=user.centre_id).values("province"))
    if user.role == Role.OFFICIAL and user.province_id:
        return Q(pk=user.province_id)
    if user.role == Role.REGIONAL and user.region_id:
        return Q(region=user.region_id)
    return None


def province_choices(user: User | None) -> list[tuple[int, str]]:
    """Every province for a choice list: the user's own first, then the others, each group
    sorted by the name in the active language. The one helper every form with a province
    uses; one query."""
    from reintegration.models import Province

    home = _home(user)
    # Plain rows, the name column of the active language chosen once: 83 model instances
    # and their ``name`` looked up for each cost more than the query.
    column = Province.name_field()
    rows = Province.objects.annotate(
        home=Case(When(home, then=Value(True)), default=Value(False), output_field=BooleanField())
        if home is not None
        else Value(False)
    ).values_list("pk", column, "home")
    return [
        (pk, name)
        for pk, name, _home_first in sorted(
            rows, key=lambda row: (not row[2], name_order(row[1]), row[0])
        )
    ]


def lazy_province_choices(
    user: User | None, empty_label: str | Promise
) -> Callable[[], list[tuple[int | str, str | Promise]]]:
    """``province_choices`` for a form field, with ``empty_label`` first: read from the
    database when the list is first shown (a posted form that is only saved never reads it),
    once however often the widget goes through it."""

    @cache
    def choices() -> list[tuple[int | str, str | Promise]]:
        return [("", empty_label), *province_choices(user)]

    return choices
