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
