import datetime
import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from partners import services as ledger
from partners.models import Contribution, Convention, Partner
from projects.tests.factories import approved, make_project
from reintegration.models import User
from reintegration.tests import following
from reintegration.tests.factories import CentreFactory

pytestmark = pytest.mark.django_db


def admin_post(client, convention=None, **fields):
    partner = Partner.objects.get_or_create(kind="indh_committee", name_fr="CPDH", name_ar="لجنة")[
        0
    ]
    data = {
        "reference": "CPDH-X",
        "title": "Convention X",
        "starts_on": "2025-01-01",
        "ends_on": "2027-12-31",
        "provinces": [convention.provinces.first().pk if convention else 1],
        "envelope": "1000000.00",
        "status": "active",
        "contributions-TOTAL_FORMS": "2",
        "contributions-INITIAL_FORMS": "0",
        "contributions-0-partner": partner.pk,
        "contributions-0-kind": "cash",
        "contributions-0-amount": "1000000.00",
        "tranches-TOTAL_FORMS": "1",
        "tranches-INITIAL_FORMS": "0",
        "tranches-0-number": "1",
        "tranches-0-amount": "400000.00",
        **fields,
    }
    url = (
        f"/admin/partners/convention/{convention.pk}/change/"
        if convention
        else "/admin/partners/convention/add/"
    )
    return client.post(url, data)


@pytest.fixture
def headquarters(client, users):
    User.objects.filter(pk=users["national"].pk).update(language="en")
    client.force_login(users["national"])
    return client


def test_headquarters_records_a_convention_whose_contributions_add_up(headquarters):
    response = admin_post(headquarters)
    assert response.status_code == 302, response.content.decode()[:2000]
    convention = Convention.objects.get(reference="CPDH-X")
    assert convention.contributions.get().amount == Decimal("1000000.00")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"contributions-0-amount": "900000.00"},
            "The money contributions add up to 900.000,00 DH",
        ),
        ({"ends_on": "2024-12-31"}, "The period ends before it starts."),
        ({"tranches-0-amount": "1200000.00"}, "The tranches add up to 1.200.000,00 DH"),
    ],
)
def test_a_convention_that_does_not_add_up_is_refused(headquarters, fields, message):
    response = admin_post(headquarters, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Convention.objects.filter(reference="CPDH-X").exists()


def test_the_envelope_cannot_drop_below_what_is_committed(headquarters, users, person, convention):
    approved(make_project(person, users["coordinator"]), users)
    Contribution.objects.filter(convention=convention).delete()
    response = admin_post(
        headquarters,
        convention,
        reference=convention.reference,
        envelope="10000.00",
        **{"contributions-TOTAL_FORMS": "0", "tranches-TOTAL_FORMS": "0"},
    )
    assert "The envelope cannot be lower than what is already committed (13.600,00 DH)." in (
        response.content.decode()
    )
    convention.refresh_from_db()
    assert convention.envelope == Decimal("10000000.00")


def test_each_role_reads_the_conventions_of_its_territory(users, convention, elsewhere):
    casablanca = Convention.objects.create(
        reference="CPDH-CAS",
        title="Casablanca",
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2026, 1, 1),
        envelope=Decimal("1000"),
        status="active",
    )
    casablanca.provinces.add(elsewhere["centre"].province)
    seen = {
        role: set(Convention.objects.visible_to(user).values_list("reference", flat=True))
        for role, user in users.items()
    }
    assert seen == {
        "coordinator": {"CPDH-TNG-TEST"},
        "regional": {"CPDH-TNG-TEST"},
        "official": {"CPDH-TNG-TEST"},
        "national": {"CPDH-TNG-TEST", "CPDH-CAS"},
        "auditor": {"CPDH-TNG-TEST", "CPDH-CAS"},
    }


def test_a_convention_over_two_provinces_is_listed_once(users, convention):
    tetouan = CentreFactory(code="TET", province__code="01.571")
    convention.provinces.add(tetouan.province)
    assert Convention.objects.visible_to(users["regional"]).count() == 1


def test_the_report_counts_people_women_money_and_trades(
    client, users, person, convention, run_jobs
):
    approved(make_project(person, users["coordinator"]), users)
    # An official reads the totals, never who the money went to.
    client.force_login(users["official"])
    page = client.get(f"/conventions/{convention.pk}/report/")
    assert (page.context["beneficiaries"], page.context["women"]) == (1, 1)
    assert page.context["committed"] == Decimal("13600.00")
    xlsx = client.get(f"/conventions/{convention.pk}/report.xlsx").content
    assert load_workbook(io.BytesIO(xlsx)).worksheets[1].max_row == 1
    assert person.file_number not in client.get(f"/conventions/{convention.pk}/").content.decode()
    # The centre that owns the file sees it listed.
    client.force_login(users["coordinator"])
    xlsx = client.get(f"/conventions/{convention.pk}/report.xlsx").content
    assert load_workbook(io.BytesIO(xlsx)).worksheets[1].cell(row=2, column=1).value == (
        person.file_number
    )
    client.post(f"/conventions/{convention.pk}/report/pdf/")
    run_jobs()
    pdf = following.downloaded(client, following.started_by(users["coordinator"]))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    with translation.override("fr"):
        french_title = str(translation.gettext("Report for the partner"))
    assert french_title in text
    assert "13.600,00" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2


def test_releasing_twice_gives_back_nothing_more(users, person, convention):
    project = approved(make_project(person, users["coordinator"]), users)
    assert ledger.release(project=project, by=users["national"]) == Decimal("13600.00")
    assert ledger.release(project=project, by=users["national"]) == 0
    convention.refresh_from_db()
    assert convention.committed == 0


def test_the_partner_list_shows_partners_with_or_without_a_territory(client, users, centre):
    from partners.models import PartnerContact

    Partner.objects.create(kind="employment_agency", name_fr="ANAPEC", name_ar="أنابيك")
    committee = Partner.objects.create(
        kind="indh_committee", name_fr="CPDH Tanger", name_ar="لجنة طنجة", province=centre.province
    )
    PartnerContact.objects.create(partner=committee, name="Rachid Benkirane", phone="+212539000000")
    User.objects.filter(pk=users["official"].pk).update(language="fr")
    client.force_login(users["official"])
    html = client.get("/conventions/partners/").content.decode()
    assert "ANAPEC" in html and "Rachid Benkirane" in html and "Tanger-Assilah" in html


def test_the_back_office_forms_with_their_rows_open_for_headquarters(headquarters, users, client):
    for url in ("/admin/partners/partner/add/", "/admin/partners/convention/add/"):
        html = headquarters.get(url).content.decode()
        assert "contributions-TOTAL_FORMS" in html or "contacts-TOTAL_FORMS" in html
    client.force_login(users["regional"])
    assert client.get("/admin/partners/partner/add/").status_code == 403
