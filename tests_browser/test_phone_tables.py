"""No amount is ever clipped, on a phone or an office screen, in Arabic or French.

Every page that shows money or a table is loaded with amounts of five to seven digits. In each
text of the page, every amount (``16.350,00``, ``1.233.737,62``) is measured where the reader
sees it: on one line, inside the screen, and inside every box that could hide part of it.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies import certificates
from ceremonies import services as ceremonies
from ceremonies.tests.factories import held_ceremony, plan_ceremony
from partners.models import Contribution, Partner, Tranche
from projects import services
from projects.models import FollowUpVisit
from projects.tests.factories import charge, make_project
from reintegration.models import User
from reintegration.tests.pdf_stub import skip_pdf_layout
from reintegration.tests.worlds import (
    built_once_committed,
    make_centre,
    make_convention,
    make_users,
)
from tests_browser.conftest import open_as, take_screenshot

# Screenshots (tests_browser/conftest.py): of every page, language and width with SCREENSHOTS=1,
# otherwise only of the pages where an amount is clipped.
WIDTHS = (390, 1280)

BIG = "over the ceiling of its track: a refrigerated van for the whole cooperative"

# Amounts as the formatting writes them: thousands with dots, two decimals after a comma.
# Measured on the digits themselves, so the currency word may wrap to the next line.
MEASURE = r"""() => {
  const AMOUNT = /(?<![\d.,])(?:\d{1,3}(?:\.\d{3})+|\d{1,3}),\d{2}(?!\d)/g;
  const width = window.innerWidth;
  const problems = [];
  const span = (from, to) => `${from.toFixed(1)}..${to.toFixed(1)}`;
  const doc = document.documentElement;
  if (doc.scrollWidth > width) {
    problems.push(`the page scrolls sideways: ${doc.scrollWidth} > ${width}`);
  }
  // What hides overflowing content: any box whose overflow is not visible.
  const clippers = (node) => {
    const boxes = [];
    for (let el = node.parentElement; el && el !== doc; el = el.parentElement) {
      const style = getComputedStyle(el);
      if (style.overflowX !== 'visible') boxes.push(el);
    }
    return boxes;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let count = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style, option, .visually-hidden')) continue;
    for (const match of node.data.matchAll(AMOUNT)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0);
      if (!rects.length) continue;  // not rendered (a closed menu, a hidden column)
      count += 1;
      const where = `${match[0]} in <${parent.tagName.toLowerCase()} class="${parent.className}">`;
      const tops = new Set(rects.map((r) => Math.round(r.top)));
      if (tops.size > 1) problems.push(`${where} is split over ${tops.size} lines`);
      const left = Math.min(...rects.map((r) => r.left));
      const right = Math.max(...rects.map((r) => r.right));
      if (left < -0.5 || right > width + 0.5) {
        problems.push(`${where} leaves the screen: ${span(left, right)}`);
      }
      for (const box of clippers(node)) {
        const r = box.getBoundingClientRect();
        const style = getComputedStyle(box);
        const inner = r.left + parseFloat(style.borderLeftWidth);
        const outer = inner + box.clientWidth;
        if (left >= inner - 0.5 && right <= outer + 0.5) continue;
        const scrolls = ['auto', 'scroll'].includes(style.overflowX)
          && box.scrollWidth > box.clientWidth;
        // A scrolling box may hold a number out of sight only if it shows that it scrolls: a
        // shadow on the side where more is hidden (gradients fixed to the box, covered by
        // gradients that travel with the content when that side is reached).
        const says = scrolls && style.backgroundImage.includes('gradient')
          && style.backgroundAttachment.includes('local')
          && style.backgroundAttachment.includes('scroll');
        if (!says) {
          const by = `<${box.tagName.toLowerCase()} class="${box.className}">`;
          const outside = `${span(left, right)} outside ${span(inner, outer)}`;
          problems.push(`${where} is cut by ${by}: ${outside}`);
        }
      }
    }
  }
  // The cells marked as amounts hold their number without overflowing.
  for (const cell of document.querySelectorAll('.amount')) {
    if (!cell.getClientRects().length) continue;
    const text = cell.textContent.trim();
    const style = getComputedStyle(cell);
    if (style.whiteSpace !== 'nowrap') problems.push(`.amount "${text}" may wrap`);
    if (style.display !== 'inline' && cell.scrollWidth > cell.clientWidth + 1) {
      problems.push(`.amount "${text}" overflows: ${cell.scrollWidth} > ${cell.clientWidth}`);
    }
  }
  return {count, problems};
}"""


def approve_fully(project, users):
    """Submitted by the centre, approved by the region and, above its ceiling, headquarters."""
    services.project_submit(project=project, by=users["coordinator"])
    for approver in ("regional", "national"):
        project.refresh_from_db()
        if project.status in ("submitted", "awaiting_national"):
            services.project_approve(
                project=project, by=users[approver], allocations=charge(project)
            )
    project.refresh_from_db()
    return project


def person(centre, by, latin, arabic, sex="M"):
    first_ar, last_ar = arabic.split(" ", 1)
    first, last = latin.split(" ", 1)
    return BeneficiaryFactory(
        centre=centre,
        by=by,
        first_name_latin=first,
        last_name_latin=last,
        first_name_ar=first_ar,
        last_name_ar=last_ar,
        sex=sex,
    )


def build_world():
    """A centre's year: projects at every stage with amounts of five to seven digits. Returns
    the staff's usernames by role and the pages to measure."""
    centre = make_centre()
    users = make_users(centre)
    convention = make_convention(centre)
    coordinator = users["coordinator"]
    national = users["national"]
    foundation = Partner.objects.create(
        kind=Partner.Kind.FOUNDATION,
        name_fr="Fondation Mohammed VI pour la réinsertion des détenus",
        name_ar="مؤسسة محمد السادس لإعادة إدماج السجناء",
    )
    Contribution.objects.create(
        convention=convention, partner=foundation, kind="cash", amount=Decimal("1233737.62")
    )
    Tranche.objects.create(
        convention=convention, number=1, amount=Decimal("7800000.00"), planned_on=None
    )
    sewing = (
        ("ماكينة خياطة صناعية مع طاولة ومحرك", "2", "7800.00"),
        ("ماكينة سورجي خمسة خيوط", "1", "16350.00"),
    )
    van = (("شاحنة تبريد صغيرة مجهزة", "1", "1233737.62"),)
    people = [
        person(centre, coordinator, "Fatima-Zahra Benali", "فاطمة الزهراء بنعلي", "F"),
        person(centre, coordinator, "Abdelouahed El Amrani", "عبد الواحد العمراني"),
        person(centre, coordinator, "Youssef Ouazzani", "يوسف الوزاني"),
        person(centre, coordinator, "Khadija Tazi", "خديجة التازي", "F"),
        person(centre, coordinator, "Mohamed Chaoui", "محمد الشاوي"),
        person(centre, coordinator, "Nadia Berrada", "نادية برادة", "F"),
    ]
    # A draft still open to its coordinator: the budget table has its edit column.
    draft = make_project(people[0], coordinator, lines=sewing, ceiling_justification=BIG)
    services.budget_line_save(
        project=draft,
        by=coordinator,
        version=draft.version,
        data={
            "designation": "شاحنة تبريد صغيرة مجهزة",
            "category": "vehicle",
            "quantity": Decimal("1"),
            "unit_price": Decimal("1233737.62"),
            "supplier": "Société Frigo Nord SARL",
            "quote_reference": "DEV-2026/00417",
        },
    )
    # Waiting for headquarters: in the national inbox.
    waiting = make_project(people[1], coordinator, lines=van, ceiling_justification=BIG)
    services.project_submit(project=waiting, by=coordinator)
    services.project_approve(project=waiting, by=users["regional"], allocations=charge(waiting))
    # Handed over more than a year ago: follow-up visits done and overdue.
    old = [
        approve_fully(make_project(p, coordinator, lines=lines, ceiling_justification=BIG), users)
        for p, lines in ((people[2], van), (people[3], sewing))
    ]
    long_ago = timezone.localdate() - datetime.timedelta(days=400)
    held = held_ceremony(old, users, held_on=long_ago, place="مقر عمالة طنجة أصيلة")
    certificates.certificates_issue(ceremony=held, by=national)
    visit = FollowUpVisit.objects.filter(project=old[0], milestone_months=3).get()
    services.visit_record(
        visit=visit,
        by=coordinator,
        data={
            "done_on": visit.due_on,
            "kind": "workplace",
            "business_active": True,
            "monthly_income": Decimal("16350.00"),
        },
    )
    # Approved, for a ceremony being prepared today: one added, one still to choose.
    fresh = [
        approve_fully(make_project(p, coordinator, lines=lines, ceiling_justification=BIG), users)
        for p, lines in ((people[4], van), (people[5], sewing))
    ]
    planned = plan_ceremony(coordinator, place="قاعة الاجتماعات بعمالة طنجة أصيلة")
    ceremonies.ceremony_add_projects(ceremony=planned, by=national, project_ids=[fresh[0].pk])
    world = {
        "draft": draft,
        "waiting": waiting,
        "held": held,
        "planned": planned,
        "handover": planned.handovers.get(),
        "old": old[0],
    }
    staff = {role: user.username for role, user in users.items()}
    return staff, pages(world, convention)


def pages(world, convention):
    """(name, role, address) of every page that shows amounts or a table."""
    planned, held = world["planned"], world["held"]
    return [
        ("project-draft", "coordinator", f"/projects/{world['draft'].pk}/"),
        ("project-waiting", "national", f"/projects/{world['waiting'].pk}/"),
        ("project-followed", "national", f"/projects/{world['old'].pk}/"),
        ("project-list", "national", "/projects/"),
        ("inbox", "national", "/projects/inbox/"),
        ("overdue", "national", "/projects/visits/overdue/"),
        ("beneficiary-list", "national", "/beneficiaries/"),
        ("beneficiary", "national", f"/beneficiaries/{world['draft'].beneficiary_id}/"),
        ("ceremony-list", "national", "/ceremonies/"),
        ("ceremony-held", "national", f"/ceremonies/{held.pk}/"),
        ("ceremony-planned", "coordinator", f"/ceremonies/{planned.pk}/"),
        ("ceremony-choose", "coordinator", f"/ceremonies/{planned.pk}/beneficiaries/"),
        (
            "handover",
            "coordinator",
            f"/ceremonies/{planned.pk}/handovers/{world['handover'].pk}/",
        ),
        ("convention-list", "national", "/conventions/"),
        ("convention", "national", f"/conventions/{convention.pk}/"),
        ("convention-report", "national", f"/conventions/{convention.pk}/report/"),
        ("dashboard", "national", "/"),
        ("audit-log", "national", "/audit/"),
    ]


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_no_amount_is_ever_clipped_on_a_phone_or_a_desk(
    language, browser, live_server, reference_data, module_world, monkeypatch
):
    # The held ceremony's certificates are issued, their PDFs never read here: their layout is
    # skipped (reintegration/tests/pdf_stub.py). The world is built by the first language's
    # test, its rows inserted again for the other's (built_once_committed).
    skip_pdf_layout(monkeypatch)
    staff, addresses = built_once_committed(module_world, build_world)
    User.objects.filter(username__in=staff.values()).update(language=language)
    found = {}
    problems = []
    # One tab per person, signed in once. Each page is loaded once on a phone's screen, then the
    # same tab is widened to an office screen, as the duplicate warning's test does: the layout
    # is the stylesheet's, which a change of width applies again.
    tabs = {}
    for name, role, address in addresses:
        if role not in tabs:
            tabs[role] = open_as(browser, live_server, staff[role], WIDTHS[0])
        page = tabs[role]
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        response = page.goto(address)
        assert response.status == 200, (address, response.status)
        # The figures behind the dashboard's charts are tables too.
        page.evaluate("document.querySelectorAll('main details').forEach(d => d.open = true)")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            result = page.evaluate(MEASURE)
            found[(name, width)] = result["count"]
            problems += [f"{name} {language} {width}px: {p}" for p in result["problems"]]
            take_screenshot(page, f"{name}-{language}-{width}", always=bool(result["problems"]))
    for tab in tabs.values():
        tab.context.close()
    assert not problems, "\n".join(problems)
    # The measure saw the amounts it was meant to check, and a phone shows every one of them.
    for name in ("project-draft", "project-list", "ceremony-held", "convention", "dashboard"):
        assert found[(name, 390)] >= 3, (name, found)
    assert {n: c for (n, w), c in found.items() if w == 390} == {
        n: c for (n, w), c in found.items() if w == 1280
    }
