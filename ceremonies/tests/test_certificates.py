"""Handover certificates: what they say, that they never change, and the public check."""

import hashlib
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies import certificates
from ceremonies.models import Certificate, CertificateCounter
from ceremonies.tests.factories import held_ceremony, plan_ceremony
from ceremonies.words import amount_in_arabic, amount_in_french
from projects.tests.factories import approved, make_project
from reintegration.pdf import StaticOnlyFetcher
from reintegration.refusals import Refused

pytestmark = pytest.mark.django_db

SEWING = (("ماكينة خياطة", "2", "6800.00"), ("مقص", "1", "350.50"))  # 13,950.50 DH

# For the tests that read no PDF: the documents WeasyPrint lays out (the batch's summary page)
# are stubbed (see reintegration/tests/pdf_stub.py). Certificates are drawn without
# WeasyPrint, for real, in a few milliseconds.
layout_skipped = pytest.mark.usefixtures("no_pdf_layout")


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def text_of(pdf: bytes) -> str:
    """The words of the PDF, with line breaks as spaces (long sums in words wrap)."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


def held_for(users, centre, **names):
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"], **names)
    project = approved(make_project(person, users["coordinator"], lines=SEWING), users)
    return held_ceremony([project], users)


@pytest.fixture
def ceremony(users, centre, convention):
    return held_for(
        users,
        centre,
        first_name_ar="خديجة",
        last_name_ar="العلمي",
        first_name_latin="Khadija",
        last_name_latin="El Alami",
        cin="BE123456",
    )


@pytest.fixture
def certificate(ceremony, users):
    return certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])[0]


def test_the_certificate_shows_the_name_the_amount_in_figures_and_words_and_its_number(
    certificate,
):
    text = text_of(bytes(certificate.pdf))
    assert certificate.number == "PV-" + str(certificate.issued_at.year) + "-00001"
    assert certificate.number in text
    assert "خديجة العلمي" in text
    assert "Khadija El Alami" in text
    assert "13.950,50 DH" in text
    assert amount_in_arabic(Decimal("13950.50")) in text
    assert amount_in_french(Decimal("13950.50")) in text
    assert "*****456" in text and "BE123456" not in text  # the CIN is masked
    assert certificate.snapshot["verify_url"] in text
    assert len(PdfReader(io.BytesIO(bytes(certificate.pdf))).pages) == 1


@layout_skipped
def test_the_amount_words_are_the_reviewed_ones(certificate):
    assert certificate.snapshot["words"] == {
        "ar": "ثلاثة عشر ألفاً وتسعمائة وخمسون درهمًا وخمسون سنتيمًا",
        "fr": "treize mille neuf cent cinquante dirhams et cinquante centimes",
    }


def test_a_reprint_returns_the_same_bytes_even_after_the_file_changes(
    certificate, client, users, ceremony
):
    url = reverse("certificate_pdf", args=[ceremony.pk, certificate.pk])
    client.force_login(users["official"])
    first = client.get(url).content
    assert hashlib.sha256(first).hexdigest() == certificate.sha256
    person = certificate.handover.project.beneficiary
    type(person).objects.filter(pk=person.pk).update(first_name_ar="اسم جديد")
    certificate.handover.items.update(designation="شيء آخر")
    again = client.get(url).content
    assert again == first == bytes(Certificate.objects.get().pdf)
    assert "خديجة" in text_of(again)


@layout_skipped
def test_a_cancelled_certificate_cannot_come_back(certificate, users):
    certificates.certificate_correct(
        certificate=certificate, by=users["coordinator"], reason="Erreur de nom"
    )
    old = Certificate.objects.get(pk=certificate.pk)
    with pytest.raises(PermissionError):
        Certificate.objects.filter(pk=old.pk).update(status="current", replaced_by=None)
    old.status = Certificate.Status.CURRENT
    with pytest.raises(PermissionError):
        old.save(update_fields=["status"])
    old.refresh_from_db()
    old.cancel_reason = "autre raison"
    with pytest.raises(PermissionError):
        old.save(update_fields=["cancel_reason"])
    old.replaced_by = None
    with pytest.raises(PermissionError):
        old.save(update_fields=["replaced_by"])
    assert Certificate.objects.get(pk=old.pk).status == "cancelled"


def test_a_failed_issue_does_not_use_up_a_number(ceremony, users, monkeypatch):
    def broken(snapshot):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(certificates, "render_certificate", broken)
    with pytest.raises(RuntimeError):
        certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])
    monkeypatch.undo()
    issued = certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])
    assert issued[0].number.endswith("-00001")


@layout_skipped
def test_corrections_remain_possible_once_the_ceremony_is_closed(certificate, users, ceremony):
    from ceremonies.services import ceremony_close

    ceremony_close(ceremony=ceremony, by=users["regional"])
    new = certificates.certificate_correct(
        certificate=certificate, by=users["national"], reason="CIN corrigée"
    )
    assert new.is_current


def test_a_cancelled_certificate_is_no_longer_printed_but_headquarters_keeps_it(
    client, certificate, users, ceremony
):
    certificates.certificate_correct(
        certificate=certificate, by=users["coordinator"], reason="Erreur"
    )
    url = reverse("certificate_pdf", args=[ceremony.pk, certificate.pk])
    client.force_login(users["official"])
    assert client.get(url).status_code == 403
    client.force_login(users["national"])
    assert client.get(url).content == bytes(certificate.pdf)


def test_ipv6_clients_are_limited_per_network():
    from ceremonies.views import rate_bucket

    assert rate_bucket("2001:db8:1:2:aaaa::1") == rate_bucket("2001:db8:1:2:bbbb::9")
    assert rate_bucket("2001:db8:1:3::1") != rate_bucket("2001:db8:1:2::1")
    assert rate_bucket("192.0.2.7") == "192.0.2.7"
    assert rate_bucket(None) == "unknown"


@layout_skipped
def test_an_issued_certificate_cannot_be_changed_or_deleted(certificate):
    certificate.snapshot["total"] = "1.00"
    with pytest.raises(PermissionError):
        certificate.save()
    with pytest.raises(PermissionError):
        Certificate.objects.filter(pk=certificate.pk).update(pdf=b"forged")
    with pytest.raises(PermissionError):
        certificate.delete()
    with pytest.raises(PermissionError):
        Certificate.objects.all().delete()
    assert Certificate.objects.get().snapshot["total"] == "13950.50"


def test_certificates_are_issued_only_for_a_held_ceremony(users, centre, convention):
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    project = approved(make_project(person, users["coordinator"]), users)
    planned = plan_ceremony(users["coordinator"])
    from ceremonies.services import ceremony_add_projects

    ceremony_add_projects(ceremony=planned, by=users["coordinator"], project_ids=[project.pk])
    with pytest.raises(Refused) as error:
        certificates.certificates_issue(ceremony=planned, by=users["coordinator"])
    assert error.value.message == (
        "Certificates are issued once the ceremony is held; it is planned."
    )
    assert Certificate.objects.count() == 0


@layout_skipped
def test_issuing_twice_issues_nothing_more(certificate, ceremony, users):
    assert certificates.certificates_issue(ceremony=ceremony, by=users["national"]) == []
    assert Certificate.objects.count() == 1


def test_a_correction_cancels_and_issues_a_new_number_never_reusing_one(
    certificate, users, ceremony
):
    with pytest.raises(Refused):
        certificates.certificate_correct(
            certificate=certificate, by=users["coordinator"], reason=""
        )
    person = certificate.handover.project.beneficiary
    type(person).objects.filter(pk=person.pk).update(last_name_ar="العلوي")
    new = certificates.certificate_correct(
        certificate=certificate, by=users["coordinator"], reason="Nom mal orthographié"
    )
    old = Certificate.objects.get(pk=certificate.pk)
    assert (old.status, old.replaced_by, old.cancel_reason) == (
        "cancelled",
        new,
        "Nom mal orthographié",
    )
    assert new.number.endswith("-00002") and new.code != old.code
    assert "خديجة العلوي" in text_of(bytes(new.pdf))
    assert bytes(old.pdf) == bytes(certificate.pdf)  # the cancelled one is kept as it was
    with pytest.raises(Refused, match="already cancelled"):
        certificates.certificate_correct(certificate=old, by=users["coordinator"], reason="x")
    # A rolled-back issue does not consume a number, a committed one is never given again.
    assert CertificateCounter.objects.get().last == 2


@layout_skipped
def test_numbers_are_unique_across_ceremonies(users, centre, convention):
    first = held_for(users, centre)
    second = held_for(users, centre)
    numbers = [
        c.number
        for ceremony in (first, second)
        for c in certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])
    ]
    assert len(set(numbers)) == 2 and numbers[0] < numbers[1]


@layout_skipped
@pytest.mark.parametrize("language", ["ar", "fr"])
def test_the_verification_page_confirms_a_genuine_certificate(
    client, certificate, language, settings
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("certificate_verify", args=[certificate.code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert certificate.number in html
    assert "عمالة طنجة أصيلة" in html  # the place
    assert "K. E." in html  # initials only
    assert "Khadija" not in html and "خديجة" not in html and "BE123456" not in html
    assert "13.950,50" in html


@layout_skipped
def test_the_verification_page_says_cancelled_and_names_the_replacement(client, certificate, users):
    new = certificates.certificate_correct(
        certificate=certificate, by=users["coordinator"], reason="Numéro de série"
    )
    response = client.get(reverse("certificate_verify", args=[certificate.code]))
    html = response.content.decode()
    assert "Cancelled." in html and new.number in html
    assert reverse("certificate_verify", args=[new.code]) in html


@layout_skipped
def test_an_unknown_code_is_simply_not_found(client, certificate):
    response = client.get(reverse("certificate_verify", args=["ZZZZZZZZZZ"]))
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    # Typed with a dash or in lower case, a real code still works.
    response = client.get(
        reverse("certificate_verify_form"),
        {"code": certificates.format_code(certificate.code).lower()},
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


@layout_skipped
def test_the_verification_page_is_rate_limited(client, settings, certificate):
    settings.VERIFY_RATE_LIMIT = 3
    url = reverse("certificate_verify", args=["ZZZZZZZZZZ"])
    assert [client.get(url).status_code for _i in range(4)] == [404, 404, 404, 429]
    # Another address is not held back.
    response = client.get(url, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 404


def test_hostile_text_renders_harmlessly(users, centre, convention):
    hostile = '<img src="file:///etc/passwd"><script>alert(1)</script>'
    ceremony = held_for(
        users,
        centre,
        first_name_ar="عبد الرحمان" * 8,
        last_name_ar=hostile,
        first_name_latin="Zoubir مختلط",
        last_name_latin=hostile,
    )
    certificate = certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])[0]
    text = text_of(bytes(certificate.pdf))
    # Printed as text (mixed with Arabic, so reordered by the bidi algorithm), never loaded.
    assert 'src="file:///etc/' in text and "alert(1)" in text
    assert "root:" not in text


def test_pdfs_may_load_only_the_projects_static_files():
    fetcher = StaticOnlyFetcher(allowed_protocols={"file", "data"})
    for url in ("file:///etc/passwd", "https://example.org/logo.png", "static:../../etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_the_batch_has_a_summary_then_every_certificate_as_issued(
    users, centre, convention, client
):
    people = []
    for latin in ("Amina", "Brahim"):
        person = BeneficiaryFactory(
            centre=centre,
            by=users["coordinator"],
            first_name_latin=latin,
            sex="F" if latin == "Amina" else "M",
        )
        people.append(approved(make_project(person, users["coordinator"], lines=SEWING), users))
    ceremony = held_ceremony(people, users)
    issued = certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])
    client.force_login(users["regional"])
    response = client.get(reverse("ceremony_batch", args=[ceremony.pk]))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1 + len(issued)
    summary = reader.pages[0].extract_text()
    assert "27.901,00" in summary  # 2 × 13,950.50
    for page, certificate in zip(reader.pages[1:], issued, strict=True):
        assert certificate.number in page.extract_text()


def test_the_arabic_half_names_the_convention_by_its_arabic_title(users, centre, convention):
    convention.title_ar = "دعم الأنشطة المدرة للدخل"
    convention.save(update_fields=["title_ar"])
    ceremony = held_for(users, centre)
    certificate = certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])[0]
    assert certificate.snapshot["conventions"][0]["title_ar"] == "دعم الأنشطة المدرة للدخل"
    text = text_of(bytes(certificate.pdf))
    assert "دعم الأنشطة المدرة للدخل" in text
    assert "Convention de test" in text  # the French half
