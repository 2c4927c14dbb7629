import pytest

from projects.tests.factories import make_project


@pytest.fixture(autouse=True)
def _convention(convention):
    """Approvals charge a convention: every project test has one covering Tanger."""
    return convention


@pytest.fixture
def project(person, users):
    return make_project(person, users["coordinator"])
