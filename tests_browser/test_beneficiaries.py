import re

from beneficiaries.models import Beneficiary, ProgrammeTrack
from beneficiaries.tests.factories import PDF_BYTES
from reintegration.models import Province
from reintegration.tests.factories import CentreFactory, UserFactory
from tests_browser.conftest import open_as, session_cookie


def submit(page, selector="main form button[type=submit].btn-brand"):
    page.click(selector)
    page.wait_for_load_state("domcontentloaded")


def test_a_coordinator_opens_finds_documents_and_edits_a_file_in_arabic(
    page, browser, live_server, screenshot
):
    tanger = CentreFactory(code="TNG", province__code="01.511")
    casablanca = CentreFactory(code="CAS", province__code="06.141")
    UserFactory(username="samira", coordinator=True, centre=tanger)
    UserFactory(username="youssef", coordinator=True, centre=casablanca)
    page.context.add_cookies([session_cookie(live_server, "samira")])

    # Open a file, typed in Arabic with a hamza and a ta marbuta.
    page.goto("/beneficiaries/new/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.fill("[name=first_name_ar]", "فاطمة")
    page.fill("[name=last_name_ar]", "الإدريسي")
    page.fill("[name=first_name_latin]", "Fatima")
    page.fill("[name=last_name_latin]", "El Idrissi")
    page.select_option("[name=sex]", "F")
    page.fill("[name=date_of_birth]", "23/04/1991")
    page.fill("[name=phone]", "06 61 23 45 67")
    page.select_option("[name=residence_province]", str(Province.objects.get(code="01.511").pk))
    page.select_option("[name=track]", str(ProgrammeTrack.objects.get(code="standard").pk))
    screenshot("beneficiary-new-ar")
    submit(page)
    person = Beneficiary.objects.get()
    assert re.fullmatch(r"TNG-\d{4}-0001", person.file_number)
    assert page.locator("h1").inner_text().startswith("فاطمة الإدريسي")
    assert "06 61 23 45 67" in page.locator("main").inner_text()

    # Find it again with another spelling: no hamza, ha instead of ta marbuta.
    page.goto("/beneficiaries/")
    page.fill("[name=q]", "فاطمه الادريسي")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("tbody tr").count() == 1
    screenshot("beneficiary-search-ar")
    page.click(f"text={person.file_number}")
    page.wait_for_load_state("domcontentloaded")

    # Attach a PDF.
    page.set_input_files(
        "form[action$='/documents/'] input[type=file]",
        {"name": "شهادة-الإفراج.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES},
    )
    page.select_option("form[action$='/documents/'] [name=kind]", "release")
    page.click("form[action$='/documents/'] button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("text=شهادة-الإفراج.pdf").count() == 1
    assert person.documents.count() == 1

    # Edit it.
    page.click(f"a[href='/beneficiaries/{person.pk}/edit/']")
    page.wait_for_load_state("domcontentloaded")
    page.fill("[name=commune]", "بني مكادة")
    submit(page)
    assert "بني مكادة" in page.locator("main").inner_text()
    screenshot("beneficiary-detail-ar")
    person.refresh_from_db()
    assert (person.commune, person.version) == ("بني مكادة", 2)

    # Another centre's coordinator: as if the file did not exist.
    intruder = open_as(browser, live_server, "youssef", height=720)
    response = intruder.goto(f"/beneficiaries/{person.pk}/")
    assert response.status == 404
    assert "هذه الصفحة غير موجودة" in intruder.locator("main").inner_text()
    intruder.context.close()
