import pytest

from projects.tests.factories import make_project


@pytest.fixture
def project(person, users):
    return make_project(person, users["coordinator"])
