import datetime

import pytest
from django.utils import timezone, translation

from casework import services
from reintegration.models import User


@pytest.fixture(autouse=True)
def _convention(convention):
    """Approvals charge a convention: every test that takes a project that far has one."""
    return convention


@pytest.fixture(autouse=True)
def english(users):
    """Messages are read in English (the pages follow the users' language, the services the
    active one)."""
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")
    with translation.override("en"):
        yield


@pytest.fixture
def colleague(centre):
    from reintegration.tests.factories import UserFactory

    return UserFactory(coordinator=True, centre=centre, first_name="Karim", last_name="Idrissi")


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def add_task(person, by, *, title="Call the employer", days=3, assignee=None, project=None):
    return services.task_create(
        beneficiary=person,
        project=project,
        title=title,
        due_on=in_days(days),
        assignee=assignee,
        by=by,
    )
