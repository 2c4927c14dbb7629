import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from beneficiaries.tests.factories import BeneficiaryFactory
from projects import services
from projects.models import BudgetLine, Decision, LifeProject, Status
from projects.tests.factories import equipped, make_project
from reintegration.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")


def submitted(centre, users, days_ago, title):
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    project = make_project(person, users["coordinator"], title=title)
    services.project_submit(project=project, by=users["coordinator"])
    LifeProject.objects.filter(pk=project.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return project


def test_the_inbox_lists_the_region_oldest_first_with_days_waiting(
    client, users, centre, elsewhere, django_assert_max_num_queries
):
    submitted(centre, users, 2, "recent")
    submitted(centre, users, 9, "old")
    other = BeneficiaryFactory(centre=elsewhere["centre"], by=elsewhere["coordinator"])
    foreign = make_project(other, elsewhere["coordinator"], title="elsewhere")
    services.project_submit(project=foreign, by=elsewhere["coordinator"])
    client.force_login(users["regional"])
    # session, user, count, page ids, page rows (with centre and trade joined), plus the
    # layout's few (the top bar's unread notifications among them)
    with django_assert_max_num_queries(10):
        response = client.get("/projects/inbox/")
    rows = [(p.title, p.days_waiting) for p in response.context["page"].object_list]
    assert rows == [("old", 9), ("recent", 2)]


def test_coordinators_see_returned_projects_on_top(client, users, centre):
    first = submitted(centre, users, 3, "returned one")
    make_project(
        BeneficiaryFactory(centre=centre, by=users["coordinator"]),
        users["coordinator"],
        title="newer draft",
    )
    services.project_return(project=first, by=users["regional"], comment="devis")
    client.force_login(users["coordinator"])
    titles = [p.title for p in client.get("/projects/").context["page"].object_list]
    assert titles == ["returned one", "newer draft"]


def test_a_double_click_on_approve_makes_one_decision(client, users, centre, english, convention):
    project = submitted(centre, users, 1, "p")
    client.force_login(users["regional"])
    data = {"comment": "", "convention_1": convention.pk, "amount_1": project.requested_total}
    first = client.post(f"/projects/{project.pk}/approve/", data, follow=True)
    second = client.post(f"/projects/{project.pk}/approve/", data, follow=True)
    assert "Done: the project is now approved." in first.content.decode()
    assert "This project was already decided: it is now approved." in second.content.decode()
    assert Decision.objects.filter(action="approve").count() == 1


def test_the_buttons_shown_are_the_actions_allowed(client, users, centre):
    project = submitted(centre, users, 1, "p")
    client.force_login(users["coordinator"])
    assert client.get(f"/projects/{project.pk}/").context["actions"] == []
    client.force_login(users["regional"])
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert (
        f"/projects/{project.pk}/approve/" in html and f"/projects/{project.pk}/fund/" not in html
    )


@pytest.mark.parametrize(
    ("quantity", "price", "message"),
    [
        ("0", "100", "Enter a quantity greater than zero."),
        ("1", "-5", "Enter an amount greater than zero."),
        (
            "1",
            "1010.555",
            "An amount has at most two decimals. Type the amount as 8500,50 or 8 500,50.",
        ),
    ],
)
def test_a_bad_budget_line_is_refused_and_keeps_what_was_typed(
    client, users, person, english, quantity, price, message
):
    project = make_project(person, users["coordinator"], lines=())
    client.force_login(users["coordinator"])
    response = client.post(
        f"/projects/{project.pk}/lines/new/",
        {
            "designation": "فرن",
            "category": "equipment",
            "quantity": quantity,
            "unit_price": price,
            "version": project.version,
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'value="فرن"' in html
    assert not BudgetLine.objects.exists()


def test_adding_lines_updates_the_total_shown(client, users, person):
    project = make_project(person, users["coordinator"], lines=())
    client.force_login(users["coordinator"])
    for designation, price in (("فرن", "8900.00"), ("ثلاجة", "7600.50")):
        project.refresh_from_db()
        client.post(
            f"/projects/{project.pk}/lines/new/",
            {
                "designation": designation,
                "category": "equipment",
                "quantity": "1",
                "unit_price": price,
                "version": project.version,
            },
        )
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert "\u206616.500,50\u2069 درهم" in html


def test_submitting_without_a_diagnosis_says_what_is_missing(client, users, person, english):
    project = make_project(person, users["coordinator"], skills="", needs="")
    client.force_login(users["coordinator"])
    response = client.post(f"/projects/{project.pk}/submit/", follow=True)
    assert (
        "Complete the diagnosis and the plan before submitting: skills, needs."
        in response.content.decode()
    )
    assert LifeProject.objects.get().status == Status.DRAFT


def test_the_beneficiary_timeline_shows_decisions_with_author_and_comment(client, users, centre):
    project = submitted(centre, users, 1, "p")
    services.project_return(project=project, by=users["regional"], comment="عرض أثمان ثان")
    client.force_login(users["coordinator"])
    html = client.get(f"/beneficiaries/{project.beneficiary_id}/").content.decode()
    assert "عرض أثمان ثان" in html
    assert users["regional"].display_name in html


def test_the_overdue_list_shows_late_visits_of_the_centre(client, users, person):
    project = make_project(person, users["coordinator"])
    equipped(project, users, timezone.localdate() - datetime.timedelta(days=200))
    client.force_login(users["coordinator"])
    visits = client.get("/projects/visits/overdue/").context["page"].object_list
    assert [v.milestone_months for v in visits] == [3, 6]


def first_visit_due(client, users, person):
    """A project equipped 100 days ago, its 3-month visit, and its coordinator signed in."""
    project = make_project(person, users["coordinator"])
    equipped(project, users, timezone.localdate() - datetime.timedelta(days=100))
    client.force_login(users["coordinator"])
    return project, project.visits.get(milestone_months=3)


def test_a_visit_with_a_reincarceration_needs_its_source(client, users, person, english):
    project, visit = first_visit_due(client, users, person)
    data = {
        "done_on": timezone.localdate().isoformat(),
        "kind": "phone",
        "business_active": "false",
        "equipment_in_use": "false",
        "monthly_income": "0",
        "reincarcerated_on": timezone.localdate().isoformat(),
    }
    response = client.post(f"/projects/{project.pk}/visits/{visit.pk}/", data)
    assert "Say where the information comes from." in response.content.decode()
    response = client.post(
        f"/projects/{project.pk}/visits/{visit.pk}/", {**data, "reincarceration_source": "famille"}
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.business_active, visit.reincarceration_source) == (False, "famille")
    assert LifeProject.objects.get().status == Status.FOLLOW_UP
    assert Decimal(visit.monthly_income) == 0


def test_a_refused_approval_shows_the_form_again_with_what_was_typed(
    client, users, centre, english, convention
):
    project = submitted(centre, users, 1, "p")
    client.force_login(users["regional"])
    response = client.post(
        f"/projects/{project.pk}/approve/",
        {
            "comment": "Avis favorable du comité",
            "convention_1": convention.pk,
            "amount_1": "100.00",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Charge exactly" in html
    assert "Avis favorable du comité" in html and 'value="100.00"' in html
    assert LifeProject.objects.get().status == Status.SUBMITTED


def test_a_recorded_visit_names_who_recorded_it(client, users, person, english):
    users["coordinator"].first_name, users["coordinator"].last_name = "Karima", "Alaoui"
    users["coordinator"].save(update_fields=["first_name", "last_name"])
    project, visit = first_visit_due(client, users, person)
    data = {
        "done_on": timezone.localdate().isoformat(),
        "kind": "phone",
        "business_active": "true",
        "equipment_in_use": "true",
        "monthly_income": "2500",
    }
    assert client.post(f"/projects/{project.pk}/visits/{visit.pk}/", data).status_code == 302
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert '<span class="small text-body-secondary visit-by">Karima Alaoui</span>' in html
    assert users["coordinator"].username not in html


def test_two_corrections_of_one_visit_do_not_overwrite_each_other(client, users, person, english):
    project = equipped(
        make_project(person, users["coordinator"]),
        users,
        timezone.localdate() - datetime.timedelta(days=100),
    )
    visit = project.visits.get(milestone_months=3)
    data = {
        "done_on": timezone.localdate().isoformat(),
        "kind": "phone",
        "business_active": "true",
        "equipment_in_use": "true",
        "monthly_income": "3000",
        "version": visit.version,
    }
    client.force_login(users["coordinator"])
    assert client.post(f"/projects/{project.pk}/visits/{visit.pk}/", data).status_code == 302
    client.force_login(users["national"])
    stale = client.post(
        f"/projects/{project.pk}/visits/{visit.pk}/", {**data, "monthly_income": "9999"}
    )
    assert stale.status_code == 200
    assert "Someone else saved this while you were working on it" in stale.content.decode()
    visit.refresh_from_db()
    assert visit.monthly_income == Decimal("3000")


def test_a_line_typed_on_a_stale_page_is_kept_and_saved_when_sent_again(
    client, users, person, english
):
    project = make_project(person, users["coordinator"], lines=())
    line = {"designation": "فرن", "category": "equipment", "quantity": "1", "unit_price": "8900"}
    opened = project.version
    services.project_update(
        project=project, by=users["national"], data={"title": "مخبزة"}, version=opened
    )
    client.force_login(users["coordinator"])
    url = f"/projects/{project.pk}/lines/new/"
    stale = client.post(url, {**line, "version": opened})
    html = stale.content.decode()
    assert stale.status_code == 200
    assert (
        "Someone else saved this while you were working on it, so your change was not saved. "
        "What you typed is still here: open the page in a new tab to see their change, then "
        "try again."
    ) in html
    assert 'value="فرن"' in html
    assert not BudgetLine.objects.exists()
    project.refresh_from_db()
    carried = re.search(r'name="version" value="(\d+)"', html).group(1)
    assert carried == str(project.version) != str(opened)
    assert client.post(url, {**line, "version": carried}).status_code == 302
    assert BudgetLine.objects.get().designation == "فرن"


def test_the_visit_form_starts_empty_and_shows_the_person_and_the_last_visit(
    client, users, person, english
):
    project = equipped(
        make_project(person, users["coordinator"]),
        users,
        timezone.localdate() - datetime.timedelta(days=200),
    )
    first, second = project.visits.order_by("milestone_months")[:2]
    client.force_login(users["coordinator"])
    url = f"/projects/{project.pk}/visits/{first.pk}/"
    html = client.get(url).content.decode()
    # Nothing preselected: every choice opens on the blank prompt, none on "unknown".
    for name in ("kind", "business_active", "equipment_in_use"):
        select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
        assert re.search(r'<option value="" selected>---------</option>', select), name
        assert "Unknown" not in select
    assert person.full_name_latin in html and person.phone in html
    assert "No visit recorded yet." in html
    # The date opens on today, typed the way the page reads dates (day/month/year).
    assert re.search(rf'name="done_on"[^>]*value="{timezone.localdate():%d/%m/%Y}"', html)

    # Sent as it opened, the form says what is missing on each field and saves nothing.
    empty = client.post(url, {"done_on": timezone.localdate().isoformat()})
    assert empty.status_code == 200
    assert empty.context["form"].errors.keys() == {"kind", "business_active", "equipment_in_use"}
    first.refresh_from_db()
    assert first.done_on is None

    done_on = timezone.localdate() - datetime.timedelta(days=3)
    data = {
        "done_on": done_on.isoformat(),
        "kind": "workplace",
        "business_active": "true",
        "equipment_in_use": "false",
        "monthly_income": "2 500,50",
    }
    assert client.post(url, data).status_code == 302
    first.refresh_from_db()
    assert (first.business_active, first.equipment_in_use) == (True, False)

    # Corrected later, the recorded answers come back selected.
    again = client.get(url).content.decode()
    assert re.search(rf'name="done_on"[^>]*value="{done_on:%d/%m/%Y}"', again)
    assert re.search(r'<option value="true" selected>yes</option>', again)
    assert re.search(r'<option value="false" selected>no</option>', again)

    # The next visit's form shows this one as the last.
    last = client.get(f"/projects/{project.pk}/visits/{second.pk}/").context
    assert last["last_visit"] == first
    html = client.get(f"/projects/{project.pk}/visits/{second.pk}/").content.decode()
    assert "workplace visit" in html and "business active" in html and "2.500,50" in html
