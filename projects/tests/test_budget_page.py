"""Several budget lines added, changed and removed on one page, saved together under one
version of the project, with the amounts typed the Moroccan way."""

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects import services
from projects.tests.factories import make_project
from reintegration.models import AuditEntry, User
from reintegration.refusals import Refused
from reintegration.tests.test_numbers import STYLES

pytestmark = pytest.mark.django_db

CONCURRENT = "Someone else saved this while you were working on it"


@pytest.fixture
def english(users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")


@pytest.fixture
def draft(person, users, english):
    return make_project(
        person, users["coordinator"], lines=(("ماكينة خياطة", "2", "6800.00"), ("مقص", "3", "150"))
    )


def url(project):
    return f"/projects/{project.pk}/budget/"


def page_data(project, rows, *, version=None, **extra):
    """What the page posts: the existing lines first (with their ids), then the new ones."""
    existing = list(project.lines.order_by("pk"))
    data = {
        "version": project.version if version is None else version,
        "lines-TOTAL_FORMS": len(rows),
        "lines-INITIAL_FORMS": len(existing),
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
        **extra,
    }
    for index, row in enumerate(rows):
        if index < len(existing):
            data[f"lines-{index}-id"] = existing[index].pk
        for name, value in row.items():
            data[f"lines-{index}-{name}"] = value
    return data


def as_typed(line):
    return {
        "designation": line.designation,
        "category": line.category,
        "quantity": str(line.quantity).replace(".", ","),
        "unit_price": str(line.unit_price).replace(".", ","),
        "supplier": line.supplier,
        "quote_reference": line.quote_reference,
    }


def new_row(designation, quantity, price, category="tools"):
    return {
        "designation": designation,
        "category": category,
        "quantity": quantity,
        "unit_price": price,
        "supplier": "",
        "quote_reference": "",
    }


def test_the_page_shows_every_line_and_empty_rows_to_add_more(client, users, draft):
    client.force_login(users["coordinator"])
    response = client.get(url(draft))
    html = response.content.decode()
    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 2 + 2  # the lines, then two empty rows
    assert 'value="ماكينة خياطة"' in html and 'value="مقص"' in html
    # The row the "Add a line" button copies, and the button itself, hidden until its script
    # shows it.
    assert '<template id="budget-line-template">' in html and "lines-__prefix__-designation" in html
    assert re.search(r'<button type="button"[^>]*id="add-line"[^>]*hidden>', html)
    assert "/static/js/formset.js" in html


def test_several_lines_are_changed_and_added_in_one_save(client, users, draft):
    sewing, scissors = draft.lines.order_by("pk")
    client.force_login(users["coordinator"])
    rows = [
        {**as_typed(sewing), "unit_price": "7 250,50"},
        as_typed(scissors),
        new_row("طاولة تفصيل", "1", "1.850,25"),
        new_row("Fer à repasser", "٢", "٤٥٠٫٧٥", category="equipment"),
    ]
    opened = draft.version
    response = client.post(url(draft), page_data(draft, rows))
    assert response.status_code == 302
    draft.refresh_from_db()
    lines = list(draft.lines.order_by("pk"))
    assert [(line.designation, line.unit_price, line.quantity) for line in lines] == [
        ("ماكينة خياطة", Decimal("7250.50"), Decimal("2.00")),
        ("مقص", Decimal("150.00"), Decimal("3.00")),
        ("طاولة تفصيل", Decimal("1850.25"), Decimal("1.00")),
        ("Fer à repasser", Decimal("450.75"), Decimal("2.00")),
    ]
    # 14.501,00 + 450,00 + 1.850,25 + 901,50
    assert draft.requested_total == Decimal("17702.75")
    # One save of the project, one audit entry per line changed or added (not the unchanged).
    assert draft.version == opened + 1
    entries = AuditEntry.objects.filter(action="project.budget_changed").order_by("pk")
    latest = [e.changes for e in entries][-3:]
    assert [c["line"] for c in latest] == ["ماكينة خياطة", "طاولة تفصيل", "Fer à repasser"]
    assert {c["total"] for c in latest} == {"17702.75"}


def test_a_mistake_on_one_line_saves_nothing_and_keeps_everything_typed(client, users, draft):
    sewing, scissors = draft.lines.order_by("pk")
    client.force_login(users["coordinator"])
    rows = [
        {**as_typed(sewing), "designation": "ماكينة خياطة صناعية"},
        as_typed(scissors),
        new_row("طاولة تفصيل", "1", "8.500"),  # thousands or decimals? refused
        new_row("Fer à repasser", "2", "450,75"),
    ]
    response = client.post(url(draft), page_data(draft, rows))
    html = response.content.decode()
    assert response.status_code == 200
    assert "could mean" in html
    for typed in ('value="ماكينة خياطة صناعية"', 'value="طاولة تفصيل"', 'value="8.500"'):
        assert typed in html
    assert 'value="Fer à repasser"' in html and 'value="450,75"' in html
    assert list(draft.lines.order_by("pk").values_list("designation", flat=True)) == [
        "ماكينة خياطة",
        "مقص",
    ]


def test_a_colleagues_save_meanwhile_keeps_what_was_typed_and_saving_again_works(
    client, users, draft
):
    opened = draft.version
    services.project_update(
        project=draft, by=users["national"], data={"title": "مخبزة"}, version=opened
    )
    client.force_login(users["coordinator"])
    rows = [as_typed(line) for line in draft.lines.order_by("pk")] + [new_row("فرن", "1", "8900")]
    stale = client.post(url(draft), page_data(draft, rows, version=opened))
    html = stale.content.decode()
    assert stale.status_code == 200
    assert CONCURRENT in html and 'value="فرن"' in html
    assert not draft.lines.filter(designation="فرن").exists()
    draft.refresh_from_db()
    carried = re.search(r'name="version" value="(\d+)"', html).group(1)
    assert carried == str(draft.version) != str(opened)
    again = client.post(url(draft), page_data(draft, rows, version=carried))
    assert again.status_code == 302
    assert draft.lines.filter(designation="فرن").exists()


def test_removing_lines_asks_first_with_the_new_total(client, users, draft):
    sewing, scissors = draft.lines.order_by("pk")
    client.force_login(users["coordinator"])
    rows = [as_typed(sewing), {**as_typed(scissors), "DELETE": "on"}, new_row("فرن", "1", "100")]
    asked = client.post(url(draft), page_data(draft, rows))
    html = asked.content.decode()
    assert asked.status_code == 200
    assert 'id="removal"' in html
    # 13.600,00 + 450,00 now; 13.600,00 + 100,00 after.
    assert "The requested total goes from 14.050,00 DH to 13.700,00 DH." in html.replace(
        "\u00a0", " "
    )
    assert draft.lines.count() == 2 and 'value="فرن"' in html  # nothing done, nothing lost
    done = client.post(url(draft), page_data(draft, rows, confirmed="1"))
    assert done.status_code == 302
    assert list(draft.lines.order_by("pk").values_list("designation", flat=True)) == [
        "ماكينة خياطة",
        "فرن",
    ]
    draft.refresh_from_db()
    assert draft.requested_total == Decimal("13700.00")
    removed = AuditEntry.objects.filter(action="project.budget_changed").order_by("pk").last()
    assert removed.changes == {"removed": "مقص", "total": "13700.00"}


def test_an_unusual_figure_is_saved_once_ticked_on_its_own_line(client, users, draft):
    client.force_login(users["coordinator"])
    rows = [as_typed(line) for line in draft.lines.order_by("pk")] + [
        new_row("شاحنة", "1", "250000", category="vehicle")
    ]
    warned = client.post(url(draft), page_data(draft, rows))
    html = warned.content.decode()
    assert warned.status_code == 200
    assert "is unusually high" in html
    token = re.search(r'name="lines-2-confirm" value="([^"]+)"', html).group(1)
    assert not draft.lines.filter(designation="شاحنة").exists()
    saved = client.post(url(draft), page_data(draft, rows, **{"lines-2-confirm": token}))
    assert saved.status_code == 302
    assert draft.lines.get(designation="شاحنة").unit_price == Decimal("250000.00")


def test_nothing_changed_saves_nothing(client, users, draft):
    client.force_login(users["coordinator"])
    rows = [as_typed(line) for line in draft.lines.order_by("pk")]
    opened = draft.version
    assert client.post(url(draft), page_data(draft, rows)).status_code == 302
    draft.refresh_from_db()
    assert draft.version == opened


def test_the_service_saves_all_the_lines_or_none(users, draft):
    opened = draft.version
    good = {"designation": "مقعد", "category": "equipment", "quantity": Decimal(1)}
    with pytest.raises(Refused) as refused:
        services.budget_lines_save(
            project=draft,
            by=users["coordinator"],
            version=opened,
            saved=[
                (None, {**good, "unit_price": Decimal("500")}),
                (None, {**good, "designation": "قلم", "unit_price": Decimal("0.001")}),
            ],
        )
    assert "«قلم»" in refused.value.message
    assert not draft.lines.filter(designation="مقعد").exists()
    draft.refresh_from_db()
    assert draft.version == opened


def test_a_line_of_another_project_is_refused(users, draft, person):
    from beneficiaries.tests.factories import BeneficiaryFactory

    other = make_project(
        BeneficiaryFactory(centre=person.centre, by=users["coordinator"]), users["coordinator"]
    )
    foreign = other.lines.get()
    with pytest.raises(Refused):
        services.budget_lines_save(
            project=draft,
            by=users["coordinator"],
            version=draft.version,
            saved=[(foreign, {"designation": "x"})],
        )


prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)
quantities = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("3"), places=2)
# A line worth at least a centime once rounded (the service refuses the others).
priced_lines = st.tuples(quantities, prices).filter(
    lambda line: line[0] * line[1] >= Decimal("0.005")
)


@settings(
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lines=st.lists(priced_lines, min_size=1, max_size=4),
    style=st.sampled_from(sorted(STYLES)),
)
def test_lines_typed_in_any_accepted_style_add_up_exactly(client, users, draft, lines, style):
    client.force_login(users["coordinator"])
    with transaction.atomic():
        existing = [as_typed(line) for line in draft.lines.order_by("pk")]
        rows = existing + [
            new_row(f"بند {i}", str(quantity).replace(".", ","), STYLES[style](price))
            for i, (quantity, price) in enumerate(lines)
        ]
        response = client.post(url(draft), page_data(draft, rows))
        assert response.status_code == 302, response.content.decode()[:2000]
        draft.refresh_from_db()
        expected = Decimal("14050.00") + sum(
            (q * p).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for q, p in lines
        )
        assert draft.requested_total == expected
        saved = draft.lines.order_by("pk")[2:]
        assert [(line.quantity, line.unit_price) for line in saved] == lines
        transaction.set_rollback(True)
    draft.refresh_from_db()
