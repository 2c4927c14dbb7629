"""Loads the 12 regions and 83 prefectures/provinces (HCP, RGPH 2024; see data/README.md)."""

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load(region_model, province_model) -> tuple[int, int]:
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


def name_order(name: str) -> str:
    """How place names are sorted for the reader: case, accents and hamza folded
    (``text.fold``), so "Écoles" sorts among the E and "أزيلال" among the alif."""
    from reintegration.text import fold

    return fold(name)


def _home(user):
    """Which provinces a user works in, listed first wherever they choose one, as a condition
    on provinces: their centre's, their own (officials) or their region's."""
    from django.db.models import Q

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


def province_choices(user) -> list[tuple[int, str]]:
    """Every province for a choice list: the user's own first, then the others, each group
    sorted by the name in the active language. The one helper every form with a province
    uses; one query."""
    from django.db.models import BooleanField, Case, Value, When

    from reintegration.models import Province

    home = _home(user)
    rows = Province.objects.only("pk", "name_ar", "name_fr").annotate(
        home=Case(When(home, then=Value(True)), default=Value(False), output_field=BooleanField())
        if home is not None
        else Value(False)
    )
    return [
        (p.pk, p.name) for p in sorted(rows, key=lambda p: (not p.home, name_order(p.name), p.pk))
    ]


def lazy_province_choices(user, empty_label):
    """``province_choices`` for a form field, with ``empty_label`` first: read from the
    database when the list is first shown (a posted form that is only saved never reads it),
    once however often the widget goes through it."""
    from functools import cache

    @cache
    def choices() -> list[tuple[int | str, str]]:
        return [("", empty_label), *province_choices(user)]

    return choices
