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
