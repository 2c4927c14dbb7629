from decimal import Decimal

from projects import services
from projects.models import Trade

PLAN = {
    "title": "ورشة خياطة",
    "skills": "خياطة",
    "needs": "آلات",
    "market_fit": "طلب محلي",
}


def make_project(beneficiary, by, *, lines=(("ماكينة خياطة", "2", "6800.00"),), **plan):
    data = {**PLAN, "trade": Trade.objects.get(code="sewing"), **plan}
    project = services.project_create(beneficiary=beneficiary, by=by, data=data)
    for designation, quantity, price in lines:
        services.budget_line_save(
            project=project,
            by=by,
            version=project.version,
            data={
                "designation": designation,
                "category": "equipment",
                "quantity": Decimal(quantity),
                "unit_price": Decimal(price),
            },
        )
    project.refresh_from_db()
    return project


def charge(project):
    """Allocations for approving ``project``: all of it on the test convention."""
    from partners.models import Convention

    return [(Convention.objects.get(reference="CPDH-TNG-TEST"), project.requested_total)]


def decide(project, by, action, **data):
    """The decision the project page posts as ``action``, taken through its service."""
    from projects.views import TRANSITIONS

    return TRANSITIONS[action].service(project=project, by=by, **data)


def approve(project, by, **data):
    project.refresh_from_db()
    return services.project_approve(project=project, by=by, allocations=charge(project), **data)


def approved(project, users):
    """Submitted by the centre, approved by the region and charged to the test convention."""
    services.project_submit(project=project, by=users["coordinator"])
    approve(project, users["regional"])
    project.refresh_from_db()
    return project


def fund(project, users):
    """Approved as above, then funded by headquarters."""
    approved(project, users)
    services.project_fund(project=project, by=users["national"])
    project.refresh_from_db()
    return project


def equipped(project, users, handover_date):
    """Funded as above, then handed over at a held ceremony on ``handover_date``."""
    from ceremonies.tests.factories import held_ceremony

    fund(project, users)
    held_ceremony([project], users, held_on=handover_date)
    project.refresh_from_db()
    return project
