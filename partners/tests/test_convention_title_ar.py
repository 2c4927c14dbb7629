"""A convention's Arabic title: the Arabic interface and the Arabic parts of documents show it,
the French ones the title it was signed under; a convention without one shows that title."""

import io

import pytest
from django.utils import translation
from pypdf import PdfReader

from partners.models import Convention
from projects.tests.factories import approved, make_project
from reintegration.models import User
from reintegration.tests import following

pytestmark = pytest.mark.django_db

ARABIC = "دعم الأنشطة المدرة للدخل بطنجة"


@pytest.fixture
def titled(convention):
    convention.title_ar = ARABIC
    convention.save(update_fields=["title_ar"])
    return convention


def test_each_language_reads_its_own_title(titled):
    assert titled.title_for("ar") == ARABIC
    assert titled.title_for("fr") == "Convention de test"
    with translation.override("ar"):
        assert str(titled) == f"CPDH-TNG-TEST · {ARABIC}"
    with translation.override("fr"):
        assert titled.display_title == "Convention de test"


def test_without_an_arabic_title_the_arabic_interface_shows_the_french_one(convention):
    assert convention.title_ar == ""
    assert convention.title_for("ar") == "Convention de test"


def test_the_pages_show_the_title_of_the_interface_language(client, users, titled):
    national = users["national"]
    for language, shown, hidden in (
        ("ar", ARABIC, "Convention de test"),
        ("fr", "Convention de test", ARABIC),
    ):
        User.objects.filter(pk=national.pk).update(language=language)
        client.force_login(national)
        for url in (f"/conventions/{titled.pk}/", "/conventions/"):
            html = client.get(url).content.decode()
            assert shown in html and hidden not in html, (language, url)


def test_headquarters_type_the_arabic_title_in_the_admin(client, users, convention):
    from partners.tests.test_conventions import admin_post

    User.objects.filter(pk=users["national"].pk).update(language="en")
    client.force_login(users["national"])
    response = admin_post(client, title_ar="اتفاقية الشراكة")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Convention.objects.get(reference="CPDH-X").title_ar == "اتفاقية الشراكة"


def test_the_partner_report_reads_each_title_in_its_half(client, users, person, titled, run_jobs):
    approved(make_project(person, users["coordinator"]), users)
    client.force_login(users["coordinator"])
    client.post(f"/conventions/{titled.pk}/report/pdf/")
    run_jobs()
    pdf = following.downloaded(client, following.started_by(users["coordinator"]))
    arabic, french = (page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert ARABIC in arabic and "Convention de test" not in arabic
    assert "Convention de test" in french and ARABIC not in french
