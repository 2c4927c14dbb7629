import pytest
from django.conf import settings


def pytest_configure(config):
    # Hashing with PBKDF2 costs ~100 ms per user; tests need no real password security.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def centre(db):
    from reintegration.tests.factories import CentreFactory

    return CentreFactory(code="TNG", province__code="01.511")


@pytest.fixture
def users(db, centre):
    """One user per role, all scoped to the area around ``centre`` (Tanger)."""
    from reintegration.tests.factories import UserFactory

    return {
        "coordinator": UserFactory(coordinator=True, centre=centre),
        "regional": UserFactory(regional=True, region=centre.province.region),
        "official": UserFactory(official=True, province=centre.province),
        "national": UserFactory(national=True),
        "auditor": UserFactory(auditor=True),
    }


@pytest.fixture
def person(users, centre):
    """A file of the users' centre (Tanger), opened by its coordinator."""
    from beneficiaries.tests.factories import BeneficiaryFactory

    return BeneficiaryFactory(centre=centre, by=users["coordinator"])


@pytest.fixture
def elsewhere(db):
    """Casablanca: another region, its own coordinator and regional staff."""
    from reintegration.tests.factories import CentreFactory, UserFactory

    centre = CentreFactory(code="CAS", province__code="06.141")
    return {
        "centre": centre,
        "coordinator": UserFactory(coordinator=True, centre=centre),
        "regional": UserFactory(regional=True, region=centre.province.region),
    }
