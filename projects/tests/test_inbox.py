"""The approval inbox says at a glance who is waiting, on which track, whether the budget
exceeds the track's ceiling, and for how long: oldest first."""

import datetime

import pytest
from django.utils import timezone

from beneficiaries.models import ProgrammeTrack
from beneficiaries.tests.factories import BeneficiaryFactory
from projects import services
from projects.models import LifeProject
from projects.tests.factories import make_project
from projects.tests.test_query_counts import queries
from reintegration.models import User

pytestmark = pytest.mark.django_db


def waiting_since(centre, users, days, *, track="standard", price="6800.00", **names):
    person = BeneficiaryFactory(
        centre=centre,
        by=users["coordinator"],
        track=ProgrammeTrack.objects.get(code=track),
        **names,
    )
    project = make_project(
        person, users["coordinator"], lines=(("معدات", "1", price),), ceiling_justification="x"
    )
    services.project_submit(project=project, by=users["coordinator"])
    LifeProject.objects.filter(pk=project.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=days)
    )
    return project


@pytest.fixture
def inbox(centre, users):
    waiting_since(
        centre,
        users,
        3,
        first_name_ar="سعيد",
        last_name_ar="الناصري",
        first_name_latin="Said",
        last_name_latin="Naciri",
    )
    waiting_since(
        centre,
        users,
        12,
        track="moussalaha",
        price="40000.00",  # under the moussalaha ceiling of 65.000 DH
        first_name_ar="نادية",
        last_name_ar="البقالي",
        first_name_latin="Nadia",
        last_name_latin="Bekkali",
    )
    waiting_since(
        centre,
        users,
        7,
        price="40000.00",  # over the standard ceiling of 35.500 DH
        first_name_ar="يوسف",
        last_name_ar="العلوي",
        first_name_latin="Youssef",
        last_name_latin="Alaoui",
    )


def rows(html: str) -> list[str]:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]


def test_arabic_readers_see_the_names_in_arabic_oldest_first(client, users, inbox):
    User.objects.filter(pk=users["regional"].pk).update(language="ar")
    client.force_login(users["regional"])
    html = client.get("/projects/inbox/").content.decode()
    nadia, youssef, said = rows(html)
    assert '<td data-label="المستفيد" class="inbox-name">نادية البقالي</td>' in nadia
    assert "Bekkali" not in html
    assert ProgrammeTrack.objects.get(code="moussalaha").name_ar in nadia
    assert '<span class="ltr">12</span>' in nadia
    assert "over-ceiling" in youssef
    assert "over-ceiling" not in nadia and "over-ceiling" not in said


def test_french_readers_see_the_names_in_latin_script_with_the_ceiling(client, users, inbox):
    User.objects.filter(pk=users["regional"].pk).update(language="fr")
    client.force_login(users["regional"])
    response = client.get("/projects/inbox/")
    html = response.content.decode()
    nadia, youssef, said = rows(html)
    assert "Nadia Bekkali" in nadia and "Youssef Alaoui" in youssef and "Said Naciri" in said
    assert ProgrammeTrack.objects.get(code="standard").name_fr in said
    assert "35.500,00 DH" in youssef
    assert [p.days_waiting for p in response.context["page"].object_list] == [12, 7, 3]


def test_the_inbox_costs_the_same_queries_whatever_the_tracks(client, users, centre, inbox):
    client.force_login(users["regional"])
    client.get("/projects/inbox/")
    few = queries(client, "/projects/inbox/")
    for days, track in ((20, "conditional_release"), (30, "moussalaha"), (40, "standard")):
        waiting_since(centre, users, days, track=track)
    assert queries(client, "/projects/inbox/") == few
