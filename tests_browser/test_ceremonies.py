import io
from decimal import Decimal

from django.utils import timezone, translation
from playwright.sync_api import expect
from pypdf import PdfReader

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies.models import Ceremony, Certificate, HandoverItemSerial
from ceremonies.services import serial_problem
from partners.models import Convention
from projects.models import LifeProject, Status
from projects.tests.factories import approved, make_project
from reintegration.models import User
from tests_browser import conftest

LINES = (("ماكينة خياطة صناعية", "2", "3400.00"), ("ماكينة سورجي", "1", "5400.50"))


def open_as(browser, live_server, user, width=1280):
    return conftest.open_as(browser, live_server, user.username, width)


def go(page, selector):
    page.click(selector)
    page.wait_for_load_state("domcontentloaded")


def test_a_ceremony_is_prepared_held_and_printed(
    browser, live_server, reference_data, screenshot, users, centre, convention, job_worker
):
    User.objects.filter(pk=users["coordinator"].pk).update(language="ar")
    User.objects.filter(pk=users["regional"].pk).update(language="fr")
    coordinator = users["coordinator"]
    people = [
        BeneficiaryFactory(centre=centre, by=coordinator, first_name_latin=name, sex=sex)
        for name, sex in (("Fatima", "F"), ("Youssef", "M"))
    ]
    projects = [approved(make_project(p, coordinator, lines=LINES), users) for p in people]

    # The coordinator plans the ceremony, in Arabic.
    centre_page = open_as(browser, live_server, coordinator)
    centre_page.goto("/ceremonies/")
    go(centre_page, "a[href='/ceremonies/new/']")
    centre_page.fill("[name=held_on]", timezone.localdate().strftime("%d/%m/%Y"))
    centre_page.fill("[name=place]", "مقر عمالة طنجة أصيلة")
    centre_page.fill("[name=presided_by]", "عبد السلام بنعلي")
    centre_page.select_option("[name=authority]", "wali")
    centre_page.check(f"[name=conventions][value='{convention.pk}']")
    go(centre_page, "main form button[type=submit].btn-brand")
    ceremony = Ceremony.objects.get()
    for project in projects:
        centre_page.check(f"#project-{project.pk}")
    screenshot("ceremony-choose-ar", centre_page)
    go(centre_page, "main form button[type=submit].btn-brand")
    assert centre_page.locator("#handovers tbody tr").count() == 2

    # At the ceremony: serial numbers as printed on the machines, one for each of the two.
    go(centre_page, f"#handovers a[href^='/ceremonies/{ceremony.pk}/handovers/']")
    centre_page.fill("[name='items-0-brand']", "Juki")
    centre_page.fill("[name='items-0-serial_numbers']", "ddl-8700 a")
    go(centre_page, "main form button[type=submit].btn-brand")
    with translation.override("ar"):
        refused = serial_problem(
            designation=LINES[0][0], quantity=Decimal(LINES[0][1]), serials=["DDL-8700A"]
        )
    assert centre_page.locator("#items .invalid-feedback").inner_text() == refused
    assert centre_page.input_value("[name='items-0-brand']") == "Juki"  # kept as typed
    centre_page.fill("[name='items-0-serial_numbers']", "ddl-8700 a\nddl-8700 b")
    screenshot("ceremony-handover-ar", centre_page)
    go(centre_page, "main form button[type=submit].btn-brand")
    serials = HandoverItemSerial.objects.filter(handover__ceremony=ceremony)
    assert sorted(serials.values_list("serial", flat=True)) == ["DDL-8700A", "DDL-8700B"]
    assert centre_page.locator("#hold").count() == 0  # holding is for regional staff

    # Regional staff mark it held, in French.
    regional_page = open_as(browser, live_server, users["regional"])
    regional_page.goto(f"/ceremonies/{ceremony.pk}/")
    go(regional_page, "#hold")
    go(regional_page, "#confirmation #confirm")
    with translation.override("fr"):
        held = str(Ceremony.Status.HELD.label)
    assert regional_page.locator("#ceremony-status").inner_text() == held
    assert {p.status for p in LifeProject.objects.all()} == {Status.EQUIPPED}
    convention = Convention.objects.get()
    assert convention.disbursed == sum(p.requested_total for p in projects)

    # Back at the centre: issue the certificates (a worker does it, the page reloads once it
    # is done), print them all.
    job_worker.start()
    centre_page.goto(f"/ceremonies/{ceremony.pk}/")
    go(centre_page, "#issue")
    expect(centre_page.locator("#batch")).to_be_visible(timeout=30_000)
    assert Certificate.objects.count() == 2
    screenshot("ceremony-held-ar", centre_page)
    totals = centre_page.locator("#ceremony-totals").inner_text()
    assert "24.401,00" in totals  # 2 × 12,200.50 DH
    response = centre_page.request.get(centre_page.locator("#batch").get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    assert len(reader.pages) == 3
    numbers = set(Certificate.objects.values_list("number", flat=True))
    assert numbers == {n for n in numbers if n in "".join(p.extract_text() for p in reader.pages)}

    # Anyone can check a certificate from its code.
    certificate = Certificate.objects.first()
    public = browser.new_page(base_url=live_server.url)
    public.goto(f"/verify/{certificate.code}/")
    assert certificate.number in public.locator("main").inner_text()
    screenshot("certificate-verify", public)
    public.close()

    # On a phone the ceremony page still reads (regional staff's tab, resized).
    phone = regional_page
    phone.set_viewport_size({"width": 390, "height": 900})
    phone.goto(f"/ceremonies/{ceremony.pk}/")
    screenshot("ceremony-phone-fr", phone)


def test_the_longest_menu_fits_one_line_in_french_and_arabic(
    browser, live_server, reference_data, screenshot, users
):
    """Headquarters has the most menu entries; French makes them longest."""
    national = users["national"]
    # One tab: the saved language applies from the next page on (reintegration/middleware.py).
    page = open_as(browser, live_server, national)
    for language in ("fr", "ar"):
        User.objects.filter(pk=national.pk).update(language=language)
        page.goto("/")
        assert page.locator("html").get_attribute("lang") == language
        boxes = page.evaluate(
            "[...document.querySelectorAll('.navbar-nav .nav-link')]"
            ".map(link => [Math.round(link.getBoundingClientRect().top),"
            " Math.round(link.getBoundingClientRect().height)])"
        )
        screenshot(f"menu-national-{language}", page)
        assert len(boxes) >= 6, boxes
        assert len({top for top, _height in boxes}) == 1, (language, boxes)  # one row
        assert len({height for _top, height in boxes}) == 1, (language, boxes)  # no wrapping
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, language
    page.context.close()
