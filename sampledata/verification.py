"""Demo handover verification: a Tanger ceremony held seven months ago whose sample after the
ceremony was called in full (two problems found, each a task for the file's referent), and
whose 6-month sample is drawn and half called. The showcase ceremony of last month has no
sample yet: its task asks for one."""

import datetime
from typing import Any

from django.utils import timezone

from beneficiaries.models import Beneficiary
from ceremonies import services as ceremonies
from ceremonies import verification
from ceremonies.models import Ceremony, VerificationCheck
from partners.models import Convention
from projects.models import LifeProject
from projects.services import add_months
from reintegration.models import User
from sampledata.handovers import approved_sewing_project

PLACE = "قاعة الاجتماعات بمقر باشوية أصيلة"
PEOPLE = 8
# Fixed seeds: the demo draws the same people on every run.
SEEDS = {0: "5eed0000000000000000000000000000", 6: "5eed0000000000000000000000000006"}
# What the calls after the ceremony found, in the order drawn: (received, equipment, comment).
AFTER_CEREMONY = [
    ("received", "in_use", ""),
    ("problems", "broken", "ماكينة السورجي وصلت معطلة ولم تشتغل منذ التسليم."),
    ("received", "in_use", ""),
    ("not_received", "", "المستفيد يؤكد أنه لم يتسلم أقمشة المخزون."),
    ("received", "idle", "الورشة في انتظار الربط بالكهرباء."),
]
AT_SIX_MONTHS = [("received", "in_use", ""), ("received", "sold", "باع الماكينة الصناعية.")]


def _check(
    check: VerificationCheck, *, by: User, when: datetime.date, found: tuple[str, str, str]
) -> None:
    received, equipment, comment = found
    verification.check_record(
        check=check,
        method="phone" if check.position % 2 else "visit",
        checked_on=when,
        received=received,
        equipment=equipment,
        comment=comment,
        by=by,
        version=check.version,
    )


def seed(**context: Any) -> dict:
    if Ceremony.objects.filter(place=PLACE).exists():
        return {}
    users = {u.username: u for u in context["users"]}
    centre = context["centres"]["TNG"]
    coordinator, regional = users["coordinator"], users["regional"]
    busy = LifeProject.objects.values("beneficiary")
    people = Beneficiary.objects.filter(centre=centre).exclude(pk__in=busy).order_by("pk")
    convention = Convention.objects.get(reference="CPDH-TNG-2024-01")
    projects = [
        approved_sewing_project(
            person,
            coordinator=coordinator,
            approver=regional,
            convention=convention,
            stock_price=f"{2800 + 120 * index}.00",
        )
        for index, person in enumerate(people[:PEOPLE])
    ]
    today = timezone.localdate()
    held_on = add_months(today, -7)
    ceremony = ceremonies.ceremony_save(
        by=coordinator,
        data={
            "centre": centre,
            "held_on": held_on,
            "place": PLACE,
            "presided_by": "عبد السلام بنعلي",
            "authority": Ceremony.Authority.WALI,
            "conventions": [convention],
        },
    )
    ceremonies.ceremony_add_projects(
        ceremony=ceremony, by=coordinator, project_ids=[p.pk for p in projects]
    )
    ceremonies.ceremony_hold(ceremony=ceremony, by=regional)
    first = verification.round_draw(
        ceremony=ceremony, months=0, by=regional, size=len(AFTER_CEREMONY), seed=SEEDS[0]
    )
    for check, found in zip(first.checks.order_by("position"), AFTER_CEREMONY, strict=True):
        _check(check, by=coordinator, when=held_on + datetime.timedelta(days=10), found=found)
    second = verification.round_draw(
        ceremony=ceremony, months=6, by=regional, confidence=90, margin=10, seed=SEEDS[6]
    )
    for check, found in zip(second.checks.order_by("position"), AT_SIX_MONTHS, strict=False):
        _check(check, by=coordinator, when=today - datetime.timedelta(days=3), found=found)
    return {}
