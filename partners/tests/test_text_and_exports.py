"""A certificate prints a name as it is stored; the convention report's workbook holds names
as text; text stored before input was cleaned is cleaned by a migration."""

import importlib
import io

import pytest
from django.apps import apps
from django.utils import translation
from openpyxl import load_workbook

from beneficiaries.models import Beneficiary
from beneficiaries.tests.factories import BeneficiaryFactory
from beneficiaries.tests.test_text_and_exports import HOSTILE, new_file
from beneficiaries.tests.test_views import form_data
from ceremonies import certificates
from ceremonies.models import Ceremony, HandoverItem
from ceremonies.tests.factories import held_ceremony
from ceremonies.tests.test_certificates import SEWING, text_of
from partners.models import Partner
from projects.tests.factories import approved, make_project
from reintegration.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")
    with translation.override("en"):
        yield


def test_a_name_typed_with_direction_overrides_is_printed_in_its_stored_order(
    client, users, convention
):
    client.force_login(users["coordinator"])
    # Each override would show the name in the opposite order of the letters stored.
    typed = new_file(first_name_latin="\u202eajidahK", last_name_ar="\u202dالعلمي")
    assert client.post("/beneficiaries/new/", form_data(typed)).status_code == 302
    person = Beneficiary.objects.get()
    assert (person.first_name_latin, person.last_name_ar) == ("ajidahK", "العلمي")
    project = approved(make_project(person, users["coordinator"], lines=SEWING), users)
    ceremony = held_ceremony([project], users)
    certificate = certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])[0]
    text = text_of(bytes(certificate.pdf))
    assert "ajidahK El Alami" in text
    assert "خديجة العلمي" in text
    assert "Khadija" not in text


def test_the_convention_report_workbook_holds_names_as_text_and_amounts_as_numbers(
    client, users, centre, convention
):
    for title in HOSTILE:
        person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
        approved(make_project(person, users["coordinator"], title=title), users)
    type(convention).objects.filter(pk=convention.pk).update(reference="=1+1")
    client.force_login(users["coordinator"])
    workbook = load_workbook(
        io.BytesIO(client.get(f"/conventions/{convention.pk}/report.xlsx").content)
    )
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    summary, projects = (list(sheet.iter_rows()) for sheet in workbook)
    assert (summary[0][1].value, summary[0][1].data_type) == ("=1+1", "s")
    assert {row[1].data_type for row in summary[1:]} == {"n"}  # amounts and counts
    assert sorted(row[1].value for row in projects[1:]) == sorted(HOSTILE)
    assert {row[1].data_type for row in projects[1:]} == {"s"}
    assert {(row[4].value, row[4].data_type) for row in projects[1:]} == {(13600, "n")}


def test_the_migration_cleans_ceremonies_items_and_partners_stored_before(
    users, centre, convention
):
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    project = approved(make_project(person, users["coordinator"], lines=SEWING), users)
    ceremony = held_ceremony([project], users)
    Ceremony.objects.filter(pk=ceremony.pk).update(
        place="عمالة\u200f طنجة", presided_by="\u202eمحمد"
    )
    HandoverItem.objects.filter(handover__ceremony=ceremony).update(brand="Sin\u200bger")
    partner = Partner.objects.create(
        kind=Partner._meta.get_field("kind").choices[0][0],
        name_ar="\u2067التعاون الوطني\u2069",
        name_fr="Entraide nationale\ufeff",
    )
    migration = importlib.import_module("partners.migrations.0006_clean_stored_text")

    migration.clean(apps, None)

    ceremony.refresh_from_db()
    partner.refresh_from_db()
    assert (ceremony.place, ceremony.presided_by) == ("عمالة طنجة", "محمد")
    assert set(HandoverItem.objects.values_list("brand", flat=True)) == {"Singer"}
    assert (partner.name_ar, partner.name_fr) == ("التعاون الوطني", "Entraide nationale")
