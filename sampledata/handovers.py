"""Demo ceremonies: every equipped demo project was handed over at one (see life_projects),
and Tanger has a ceremony of last month with six beneficiaries, serial numbers and issued
certificates, plus approved projects still waiting for the next one."""

import datetime
from decimal import Decimal

from django.utils import timezone

from beneficiaries.models import Beneficiary
from ceremonies import certificates
from ceremonies import services as ceremonies
from ceremonies.models import Ceremony
from partners.models import Convention
from projects import services as project_services
from projects.models import LifeProject, Trade

PLACES = {
    "TNG": ("مقر عمالة طنجة أصيلة", "عبد السلام بنعلي"),
    "CAS": ("مقر عمالة مقاطعات سيدي البرنوصي", "سعيد الإدريسي"),
}


SHOWCASE_PLACE = "قاعة الاجتماعات بمقر عمالة طنجة أصيلة"

# What carries a serial number: machines and vehicles, one per unit; stock and small tools none.
SERIALISED = ("equipment", "vehicle")


def record_serials(handover, *, by, prefix: str, brands=()) -> None:
    """Record the handover as prefilled, with a serial number for every unit of its machines
    (as read off each machine at the ceremony) and the brands when given."""
    serialised = {
        line.designation
        for line in handover.project.lines.all()
        if line.category in SERIALISED and line.quantity == int(line.quantity)
    }
    items = []
    for n, item in enumerate(handover.items.all()):
        units = int(item.quantity) if item.designation in serialised else 0
        items.append(
            {
                "designation": item.designation,
                "brand": brands[n] if n < len(brands) else "",
                "serials": [f"{prefix}-{n + 1}{unit:02d}" for unit in range(1, units + 1)],
                "quantity": item.quantity,
                "unit_value": item.unit_value,
            }
        )
    ceremonies.handover_save(handover=handover, by=by, items=items, version=handover.version)


def hand_over(project, *, by, holder, held_on: datetime.date, certify: bool = True) -> Ceremony:
    """A ceremony for ``project`` on ``held_on``, held by ``holder``, its certificate issued
    (unless ``certify`` is false) and, when it is more than a month old, its paperwork closed."""
    centre = project.beneficiary.centre
    place, authority = PLACES.get(centre.code, (f"مقر عمالة {centre.province.name_ar}", "العامل"))
    conventions = list(
        Convention.objects.filter(
            allocations__project=project, allocations__released_at__isnull=True
        ).distinct()
    )
    ceremony = ceremonies.ceremony_save(
        by=by,
        data={
            "centre": centre,
            "held_on": held_on,
            "place": place,
            "presided_by": authority,
            "authority": Ceremony.Authority.GOVERNOR,
            "conventions": conventions,
            "tranche": conventions[0].tranches.first(),
            "attendees": "رئيس قسم العمل الاجتماعي\nممثل مؤسسة محمد السادس لإعادة إدماج السجناء",
        },
    )
    ceremonies.ceremony_add_projects(ceremony=ceremony, by=by, project_ids=[project.pk])
    handover = ceremony.handovers.get()
    record_serials(handover, by=by, prefix=f"SN{held_on:%y}{handover.pk:05d}")
    ceremonies.ceremony_hold(ceremony=ceremony, by=holder)
    if not certify:
        return ceremony
    certificates.certificates_issue(ceremony=ceremony, by=by)
    if held_on < timezone.localdate() - datetime.timedelta(days=30):
        ceremonies.ceremony_close(ceremony=ceremony, by=holder)
    return ceremony


def add_lines(project, *, by, lines, supplier: str = "") -> None:
    """The budget lines (designation, category, quantity, unit price) of ``project``, typed on
    the budget page and saved at once."""
    project_services.budget_lines_save(
        project=project,
        by=by,
        version=project.version,
        saved=[
            (
                None,
                {
                    "designation": designation,
                    "category": category,
                    "quantity": Decimal(quantity),
                    "unit_price": Decimal(price),
                    "supplier": supplier,
                },
            )
            for designation, category, quantity, price in lines
        ],
    )


def approved_sewing_project(person, *, coordinator, approver, convention, stock_price: str):
    """A sewing workshop for ``person``, submitted by the centre and approved on
    ``convention``: ready to be given to a ceremony."""
    project = project_services.project_create(
        beneficiary=person,
        by=coordinator,
        data={
            "title": "ورشة خياطة",
            "trade": Trade.objects.get(code="sewing"),
            "skills": "خياطة",
            "needs": "آلات",
            "market_fit": "طلب محلي",
        },
    )
    add_lines(
        project,
        by=coordinator,
        lines=[
            ("ماكينة خياطة صناعية", "equipment", "2", "6800.00"),
            ("ماكينة سورجي", "equipment", "1", "5400.00"),
            ("أقمشة وخيوط", "stock", "1", stock_price),
        ],
    )
    project_services.project_submit(project=project, by=coordinator)
    project.refresh_from_db()
    project_services.project_approve(
        project=project, by=approver, allocations=[(convention, project.requested_total)]
    )
    project.refresh_from_db()
    return project


def seed(**context) -> dict:
    if Ceremony.objects.filter(place=SHOWCASE_PLACE).exists():
        return {}
    users = {u.username: u for u in context["users"]}
    centre = context["centres"]["TNG"]
    coordinator, regional, national = users["coordinator"], users["regional"], users["national"]
    busy = LifeProject.objects.values("beneficiary")
    people = Beneficiary.objects.filter(centre=centre).exclude(pk__in=busy).order_by("pk")[:6]
    convention = Convention.objects.get(reference="CPDH-TNG-2024-01")
    projects = [
        approved_sewing_project(
            person,
            coordinator=coordinator,
            approver=regional,
            convention=convention,
            stock_price=f"{3000 + 150 * index}.50",
        )
        for index, person in enumerate(people)
    ]
    held_on = timezone.localdate() - datetime.timedelta(days=24)
    ceremony = ceremonies.ceremony_save(
        by=coordinator,
        data={
            "centre": centre,
            "held_on": held_on,
            "place": SHOWCASE_PLACE,
            "presided_by": "عبد السلام بنعلي",
            "authority": Ceremony.Authority.WALI,
            "conventions": [convention],
            "tranche": convention.tranches.get(number=2),
            "attendees": "رئيس قسم العمل الاجتماعي\nالمنسق الجهوي للمؤسسة\nممثل اللجنة الإقليمية",
        },
    )
    ceremonies.ceremony_add_projects(
        ceremony=ceremony, by=coordinator, project_ids=[p.pk for p in projects]
    )
    for index, handover in enumerate(ceremony.handovers.order_by("pk")):
        # Two industrial machines and an overlocker each: three serial numbers per person.
        record_serials(
            handover, by=coordinator, prefix=f"JK{24100 + index}", brands=("Juki", "Siruba")
        )
    ceremonies.ceremony_hold(ceremony=ceremony, by=regional)
    certificates.certificates_issue(ceremony=ceremony, by=coordinator)
    ceremonies.ceremony_close(ceremony=ceremony, by=national)
    return {}
