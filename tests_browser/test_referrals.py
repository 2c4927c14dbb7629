"""A coordinator refers a person to a partner's service, records the partner's acceptance and
then the outcome, through the real forms; then, at a follow-up visit, says whether the person
still holds the job they were placed in. In Arabic and in French, on an office screen and a
phone."""

import pytest
from django.utils import timezone

from beneficiaries.tests.factories import BeneficiaryFactory
from partners.models import Partner, PartnerService
from projects.models import PlacementCheck, Referral
from projects.tests.factories import equipped, make_project
from projects.tests.referral_factories import days_ago, make_service, place
from reintegration.models import User
from reintegration.tests.factories import UserFactory
from reintegration.tests.worlds import make_centre, make_convention
from tests_browser.conftest import at_each_width, open_as

TEXTS = {
    "ar": {"recorded": "تم تسجيل التوجيه", "accepted": "قبلها الشريك", "achieved": "تحققت"},
    "fr": {
        "recorded": "L'orientation a été enregistrée",
        "accepted": "acceptée par le partenaire",
        "achieved": "atteint",
    },
}


def go(page, selector):
    page.click(selector)
    page.wait_for_load_state("domcontentloaded")


def world(language):
    centre = make_centre()
    samira = UserFactory(username="samira", coordinator=True, centre=centre, language=language)
    person = BeneficiaryFactory(centre=centre, by=samira)
    anapec = Partner.objects.create(
        kind=Partner.Kind.EMPLOYMENT_AGENCY,
        name_fr="ANAPEC",
        name_ar="الوكالة الوطنية لإنعاش التشغيل والكفاءات",
    )
    workshop = make_service(
        partner=anapec,
        name_ar="ورشة تقنيات البحث عن الشغل",
        name_fr="Atelier de techniques de recherche d'emploi",
    )
    make_service(
        PartnerService.Kind.MICROCREDIT,
        partner=Partner.objects.create(
            kind=Partner.Kind.MICROFINANCE, name_fr="Attawfiq Micro-Finance", name_ar="التوفيق"
        ),
        name_ar="قرض صغير",
        name_fr="Microcrédit",
    )
    # Already placed in a job: the file lists it with its last check.
    place(person, samira, started_on=days_ago(200))
    return samira, person, workshop


# Each language walks once, at its first width; at every step the same tab is resized to the
# other width, where what the step reads is read again and what it fills in or clicks is checked
# usable (``at_each_width``).
WIDTHS = {"ar": (390, 1280), "fr": (1280, 390)}


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_a_coordinator_refers_a_person_and_records_the_answer_then_the_outcome(
    browser, live_server, reference_data, language
):
    samira, person, workshop = world(language)
    texts = TEXTS[language]
    widths = WIDTHS[language]
    page = open_as(browser, live_server, samira.username, width=widths[0])

    def at_both_widths(name, *controls, check=lambda: None):
        at_each_width(page, widths, f"{name}-{language}", *controls, check=check)

    page.goto(f"/beneficiaries/{person.pk}/")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    section = page.locator("#referrals")
    assert section.locator("#placement-rows tbody tr").count() == 1
    at_both_widths("referral-start", "#refer")

    # Refer: the service starts empty; a missing choice keeps what was typed.
    go(page, "#refer")
    assert page.locator("[name=service]").input_value() == ""
    page.fill("[name=request]", "التسجيل في ورشة إعداد السيرة الذاتية")
    go(page, "#save")
    assert page.locator("[name=request]").input_value() == "التسجيل في ورشة إعداد السيرة الذاتية"
    assert page.locator("#id_service.is-invalid").count() == 1
    page.select_option("[name=service]", str(workshop.pk))
    page.fill("[name=referred_on]", days_ago(10).strftime("%d/%m/%Y"))
    at_both_widths(
        "referral-create", "[name=request]", "[name=service]", "[name=referred_on]", "#save"
    )
    go(page, "#save")

    def recorded():
        assert texts["recorded"] in page.locator("main").inner_text()

    referral = Referral.objects.get()
    answer = f"#referral-rows a[href='/projects/referrals/{referral.pk}/answer/']"
    at_both_widths("referral-recorded", answer, check=recorded)
    assert (referral.status, referral.service, referral.referred_on) == (
        "requested",
        workshop,
        days_ago(10),
    )

    # The partner accepted.
    go(page, answer)
    assert page.locator("[name=answer]").input_value() == ""
    page.select_option("[name=answer]", "accepted")
    page.fill("[name=answered_on]", days_ago(7).strftime("%d/%m/%Y"))
    at_both_widths("referral-answer", "[name=answer]", "[name=answered_on]", "#save")
    go(page, "#save")

    def accepted():
        assert texts["accepted"] in page.locator("#referral-rows").inner_text()

    outcome = f"#referral-rows a[href='/projects/referrals/{referral.pk}/outcome/']"
    at_both_widths("referral-accepted", outcome, check=accepted)

    # The workshop is over: achieved.
    go(page, outcome)
    assert page.locator("[name=outcome]").input_value() == ""
    page.select_option("[name=outcome]", "achieved")
    page.fill("[name=comment]", "حضر جميع الحصص وأعد سيرته الذاتية.")
    at_both_widths("referral-outcome", "[name=outcome]", "[name=comment]", "#save")
    go(page, "#save")
    referral.refresh_from_db()
    assert (referral.status, referral.outcome, referral.outcome_on) == (
        "accepted",
        "achieved",
        timezone.localdate(),
    )

    def achieved():
        assert texts["achieved"] in page.locator("#referral-rows").inner_text()
        page.locator("#referrals").scroll_into_view_if_needed()

    at_both_widths("referral-file", check=achieved)
    page.context.close()


@pytest.mark.parametrize(("language", "width"), [("ar", 1280), ("fr", 390)])
def test_the_follow_up_visit_asks_whether_the_person_still_holds_their_job(
    browser, live_server, reference_data, screenshot, language, width
):
    samira, person, _workshop = world(language)
    users = {
        "coordinator": samira,
        "regional": UserFactory(regional=True, region=samira.centre.province.region),
        "national": UserFactory(national=True),
    }
    make_convention(samira.centre)
    project = equipped(make_project(person, samira), users, days_ago(100))
    visit = project.visits.get(milestone_months=3)
    job = person.placements.get()
    page = open_as(browser, live_server, samira.username, width=width)
    page.goto(f"/projects/{project.pk}/visits/{visit.pk}/")
    assert page.locator(f"[name=employed_{job.pk}]").input_value() == ""
    page.select_option("[name=kind]", "home")
    page.select_option("[name=business_active]", "true")
    page.select_option("[name=equipment_in_use]", "true")
    page.select_option(f"[name=employed_{job.pk}]", "true")
    page.fill(f"[name=pay_{job.pk}]", "3 650,50")
    screenshot(f"visit-placements-{language}-{width}", page)
    go(page, "main form button[type=submit].btn-brand")
    check = PlacementCheck.objects.get()
    assert (check.visit, check.employed, str(check.monthly_pay)) == (visit, True, "3650.50")
    assert check.recorded_by == User.objects.get(username="samira")
    assert check.checked_on == timezone.localdate()
    page.context.close()


@pytest.mark.parametrize(("language", "width"), [("ar", 1280), ("fr", 390)])
def test_headquarters_add_a_partner_s_service(
    browser, live_server, reference_data, screenshot, language, width
):
    world(language)
    UserFactory(username="nadia", national=True, language=language)
    ofppt = Partner.objects.create(
        kind=Partner.Kind.MINISTRY, name_fr="OFPPT", name_ar="مكتب التكوين المهني"
    )
    page = open_as(browser, live_server, "nadia", width=width)
    page.goto("/conventions/services/")
    go(page, "#add-service")
    assert page.locator("[name=kind]").input_value() == ""
    page.select_option("[name=partner]", str(ofppt.pk))
    page.fill("[name=name_ar]", "تكوين تأهيلي في اللحام")
    page.fill("[name=name_fr]", "Formation qualifiante en soudure")
    page.select_option("[name=kind]", "vocational_training")
    go(page, "#save, main form button[type=submit].btn-brand")
    assert PartnerService.objects.filter(partner=ofppt, kind="vocational_training").exists()
    assert page.locator("#partner-services tbody tr").count() == 3
    screenshot(f"partner-services-{language}-{width}", page)
    page.context.close()
