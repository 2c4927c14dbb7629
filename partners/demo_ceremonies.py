"""Demo ceremonies: every equipped demo project was handed over at one (see projects.demo),
and Tanger has a ceremony of last month with six beneficiaries, serial numbers and issued
certificates, plus approved projects still waiting for the next one."""

import datetime
from decimal import Decimal

from django.utils import timezone

from beneficiaries.models import Beneficiary
from partners import ceremonies, certificates
from partners.models import Ceremony, Convention
from projects import services as project_services
from projects.models import LifeProject, Trade

PLACES = {
    "TNG": ("مقر عمالة طنجة أصيلة", "عبد السلام بنعلي"),
    "CAS": ("مقر عمالة مقاطعات سيدي البرنوصي", "سعيد الإدريسي"),
}


SHOWCASE_PLACE = "قاعة الاجتماعات بمقر عمالة طنجة أصيلة"


def hand_over(project, *, by, holder, held_on: datetime.date) -> Ceremony:
    """A ceremony for ``project`` on ``held_on``, held by ``holder``, its certificate issued and,
    when it is more than a month old, its paperwork closed."""
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
    ceremonies.ceremony_hold(ceremony=ceremony, by=holder)
    certificates.certificates_issue(ceremony=ceremony, by=by)
    if held_on < timezone.localdate() - datetime.timedelta(days=30):
        ceremonies.ceremony_close(ceremony=ceremony, by=holder)
    return ceremony


def seed(**context) -> dict:
    if Ceremony.objects.filter(place=SHOWCASE_PLACE).exists():
        return {}
    users = {u.username: u for u in context["users"]}
    centre = context["centres"]["TNG"]
    coordinator, regional, national = users["coordinator"], users["regional"], users["national"]
    busy = LifeProject.objects.values("beneficiary")
    people = Beneficiary.objects.filter(centre=centre).exclude(pk__in=busy).order_by("pk")[:6]
    sewing = Trade.objects.get(code="sewing")
    projects = []
    for index, person in enumerate(people):
        project = project_services.project_create(
            beneficiary=person,
            by=coordinator,
            data={
                "title": "ورشة خياطة",
                "trade": sewing,
                "skills": "خياطة",
                "needs": "آلات",
                "market_fit": "طلب محلي",
            },
        )
        for designation, quantity, price in (
            ("ماكينة خياطة صناعية", "1", "6800.00"),
            ("ماكينة سورجي", "1", "5400.00"),
            ("أقمشة وخيوط", "1", f"{3000 + 150 * index}.50"),
        ):
            project_services.budget_line_save(
                project=project,
                by=coordinator,
                version=project.version,
                data={
                    "designation": designation,
                    "category": "equipment",
                    "quantity": Decimal(quantity),
                    "unit_price": Decimal(price),
                },
            )
        project_services.project_transition(project=project, by=coordinator, action="submit")
        project.refresh_from_db()
        convention = Convention.objects.get(reference="CPDH-TNG-2024-01")
        project_services.project_transition(
            project=project,
            by=regional,
            action="approve",
            allocations=[(convention, project.requested_total)],
        )
        projects.append(project)
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
        items = [
            {
                "designation": item.designation,
                "brand": ("Juki", "Siruba", "")[min(n, 2)],
                "serial_number": f"JK-{24100 + index * 2 + n}" if n < 2 else "",
                "quantity": item.quantity,
                "unit_value": item.unit_value,
            }
            for n, item in enumerate(handover.items.all())
        ]
        ceremonies.handover_save(
            handover=handover, by=coordinator, items=items, version=handover.version
        )
    ceremonies.ceremony_hold(ceremony=ceremony, by=regional)
    certificates.certificates_issue(ceremony=ceremony, by=coordinator)
    ceremonies.ceremony_close(ceremony=ceremony, by=national)
    return {}
