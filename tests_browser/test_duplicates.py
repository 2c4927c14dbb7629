"""Saving a new file twice warns instead of opening a second file, in Arabic and in French, on
a desktop and on a phone; declaring different people then opens it, without JavaScript."""

import re

import pytest

from beneficiaries.models import Beneficiary, ProgrammeTrack
from reintegration.models import AuditEntry, Province, User
from reintegration.tests.factories import CentreFactory, UserFactory
from tests_browser.conftest import open_as, take_screenshot

TEXTS = {
    "ar": {
        "title": "قد يكون لهذا الشخص ملف من قبل",
        "reasons": "نفس رقم الهاتف · نفس الاسم وتاريخ الازدياد",
        "different": "هؤلاء أشخاص مختلفون: إنشاء الملف",
    },
    "fr": {
        "title": "Cette personne a peut-être déjà un dossier",
        "reasons": "même téléphone · même nom et même date de naissance",
        "different": "Ce sont des personnes différentes : créer le dossier",
    },
}


def fill(page):
    page.fill("[name=first_name_ar]", "محمد")
    page.fill("[name=last_name_ar]", "الإدريسي")
    page.fill("[name=first_name_latin]", "Mohammed")
    page.fill("[name=last_name_latin]", "El Idrissi")
    page.select_option("[name=sex]", "M")
    page.fill("[name=date_of_birth]", "17/05/1990")
    page.fill("[name=phone]", "0661234567")
    page.select_option("[name=residence_province]", str(Province.objects.get(code="01.511").pk))
    page.select_option("[name=track]", str(ProgrammeTrack.objects.get(code="standard").pk))
    page.fill("[name=notes]", "Orienté par l'association")


def save(page, selector="main form button[type=submit].btn-brand"):
    page.click(selector)
    page.wait_for_load_state("domcontentloaded")


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_saving_a_new_file_twice_warns_and_different_people_is_a_recorded_choice(
    browser, live_server, reference_data, language
):
    tanger = CentreFactory(code="TNG", province__code="01.511")
    UserFactory(username="samira", coordinator=True, centre=tanger)
    User.objects.filter(username="samira").update(language=language)
    texts = TEXTS[language]
    page = open_as(
        browser, live_server, "samira", height=800, timeout=30_000, java_script_enabled=False
    )

    page.goto("/beneficiaries/new/")
    fill(page)
    save(page)
    first = Beneficiary.objects.get()

    # Back, then Save again: the same form, posted a second time.
    page.go_back()
    page.wait_for_load_state("domcontentloaded")
    if page.input_value("[name=first_name_latin]") != "Mohammed":
        fill(page)  # the browser did not keep the form: type it again, as people do
    save(page)

    assert Beneficiary.objects.count() == 1
    warning = page.locator("#duplicates")
    assert texts["title"] in warning.inner_text()
    assert texts["reasons"] in warning.inner_text()
    assert warning.locator(f"a[href='/beneficiaries/{first.pk}/']").count() == 1
    assert page.input_value("[name=notes]") == "Orienté par l'association"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    take_screenshot(page, f"duplicate-warning-{language}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    take_screenshot(page, f"duplicate-warning-{language}-390")

    # Pressing Save again only warns again; the explicit button opens the file.
    save(page)
    assert Beneficiary.objects.count() == 1
    page.get_by_role("button", name=texts["different"]).click()
    page.wait_for_load_state("domcontentloaded")
    assert Beneficiary.objects.count() == 2
    second = Beneficiary.objects.exclude(pk=first.pk).get()
    assert page.url.endswith(f"/beneficiaries/{second.pk}/")
    entry = AuditEntry.objects.get(action="beneficiary.created_despite_duplicates")
    assert entry.changes == {"candidates": [first.file_number]}
    page.context.close()


def test_with_javascript_a_double_click_sends_the_form_once_and_the_choice_still_counts(
    browser, live_server, reference_data
):
    tanger = CentreFactory(code="TNG", province__code="01.511")
    UserFactory(username="samira", coordinator=True, centre=tanger)
    User.objects.filter(username="samira").update(language="fr")
    page = open_as(browser, live_server, "samira", height=720, timeout=30_000)
    posts = []

    def sent(request):
        if request.method == "POST":
            posts.append(request.url)

    page.on("request", sent)

    page.goto("/beneficiaries/new/")
    fill(page)
    # Two clicks 30 ms apart, as a double click on a slow connection.
    page.evaluate(
        """() => {
            const save = document.querySelector("main form button[type=submit].btn-brand");
            save.click();
            setTimeout(() => save.click(), 30);
        }"""
    )
    page.wait_for_url(re.compile(r"/beneficiaries/\d+/$"))
    assert len(posts) == 1
    first = Beneficiary.objects.get()

    # The buttons disabled after the first send must not drop the "different people" choice,
    # which travels in its button's own name and value.
    page.goto("/beneficiaries/new/")
    fill(page)
    save(page)
    page.get_by_role("button", name=TEXTS["fr"]["different"]).click()
    page.wait_for_url(re.compile(r"/beneficiaries/\d+/$"))
    assert Beneficiary.objects.exclude(pk=first.pk).count() == 1
    # The context is kept for the next test (conftest.KeptContexts), without this listener.
    page.remove_listener("request", sent)
    page.context.close()
