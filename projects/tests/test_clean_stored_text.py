"""Project text stored before input was cleaned is cleaned by a migration."""

import importlib

import pytest
from django.apps import apps

from beneficiaries.tests.factories import BeneficiaryFactory
from projects.models import BudgetLine, Decision, LifeProject
from projects.tests.factories import approved, make_project
from reintegration.tests.protection import unprotected

pytestmark = pytest.mark.django_db


def test_the_migration_cleans_project_text_stored_before(users, person, convention):
    project = approved(make_project(person, users["coordinator"]), users)
    someone = BeneficiaryFactory(centre=person.centre, by=users["coordinator"])
    other = make_project(someone, users["coordinator"], title="Atelier de couture")
    LifeProject.objects.filter(pk=project.pk).update(
        title="\u202eerutuoc ed reiletA",
        description="Ligne\u2028 1\u200b",
        market_fit="سوق\u061c الحي",
    )
    BudgetLine.objects.filter(project=project).update(supplier="Sin\u2060ger")
    untouched = LifeProject.objects.filter(pk=other.pk).values().get()
    migration = importlib.import_module("projects.migrations.0009_clean_stored_text")

    # The migration ran before decisions were protected (0010): so does this test.
    with unprotected("projects.migrations.0010_protect_decisions"):
        Decision.objects.filter(project=project).update(comment="\u2066OK\u2069")
        migration.clean(apps, None)

    project.refresh_from_db()
    assert (project.title, project.description, project.market_fit) == (
        "erutuoc ed reiletA",
        "Ligne\n 1",  # a Unicode line separator is stored as an ordinary line break
        "سوق الحي",
    )
    assert set(BudgetLine.objects.filter(project=project).values_list("supplier", flat=True)) == {
        "Singer"
    }
    assert set(Decision.objects.filter(project=project).values_list("comment", flat=True)) == {"OK"}
    assert LifeProject.objects.filter(pk=other.pk).values().get() == untouched
