import pytest

from beneficiaries.tests.factories import BeneficiaryFactory
from reintegration.tests.factories import CentreFactory, UserFactory


@pytest.fixture
def person(users, centre):
    """A file of the users' centre (Tanger), opened by its coordinator."""
    return BeneficiaryFactory(centre=centre, by=users["coordinator"])


@pytest.fixture
def elsewhere(db):
    """Casablanca: another region, its own coordinator and regional staff."""
    centre = CentreFactory(code="CAS", province__code="06.141")
    return {
        "centre": centre,
        "coordinator": UserFactory(coordinator=True, centre=centre),
        "regional": UserFactory(regional=True, region=centre.province.region),
    }
