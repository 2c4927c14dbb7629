"""The verification pages: the draw asks before drawing, the round page lists the sample with
a form per person that keeps what was typed, officials read no phone nor comment, and the
pages cost the same queries whatever the size of the sample."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from ceremonies import verification
from ceremonies.models import VerificationCheck, VerificationRound
from ceremonies.tests.test_verification import hold, record
from partners.models import Convention
from projects.services import add_months
from reintegration.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")
    with translation.override("en"):
        yield


@pytest.fixture
def ceremony(users, centre, convention):
    return hold(users, centre, 6, held_on=add_months(timezone.localdate(), -1))


def plain(page) -> str:
    """The page's text without the isolation marks around numbers."""
    return page.content.decode().replace("\u2066", "").replace("\u2069", "")


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_draw_shows_the_size_and_draws_only_once_confirmed(client, users, ceremony):
    signed_in(client, users["regional"])
    url = reverse("verification_draw", args=[ceremony.pk, 0])
    page = client.get(url)
    assert page.status_code == 200
    asked = client.post(url, {"mode": "computed", "confidence": "95", "margin": "10"})
    # n0 = 96.04, N = 6: 576.24 / 101.04 = 5.7 -> 6.
    assert "6 of the 6 beneficiaries" in plain(asked)
    assert not VerificationRound.objects.exists()
    confirmation = asked.context["confirmation"]
    done = client.post(
        url,
        {**confirmation.carry, "confirmed": "1", "fingerprint": confirmation.fingerprint},
    )
    assert done.status_code == 302
    drawn = VerificationRound.objects.get()
    assert (drawn.size, drawn.confidence, drawn.margin) == (6, 95, 10)
    again = client.get(url)
    assert "already drawn" in again.content.decode()


def test_a_typed_size_out_of_range_is_said_on_the_form(client, users, ceremony):
    signed_in(client, users["regional"])
    page = client.post(
        reverse("verification_draw", args=[ceremony.pk, 0]), {"mode": "typed", "size": "9"}
    )
    assert "Enter a number of at most 6." in plain(page)
    assert not VerificationRound.objects.exists()


def test_a_check_with_an_error_keeps_what_was_typed(client, users, ceremony):
    drawn = verification.round_draw(ceremony=ceremony, months=0, by=users["regional"], size=2)
    check = drawn.checks.order_by("position").first()
    signed_in(client, users["coordinator"])
    prefix = f"check-{check.pk}"
    page = client.post(
        reverse("verification_check", args=[ceremony.pk, 0, check.pk]),
        {
            f"{prefix}-method": "visit",
            f"{prefix}-checked_on": timezone.localdate().strftime("%d/%m/%Y"),
            f"{prefix}-received": "problems",
            f"{prefix}-equipment": "broken",
            f"{prefix}-comment": "",
            f"{prefix}-version": str(check.version),
        },
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "Say what the problems are in the comment." in html
    form = page.context["rows"][0][1]
    assert form.data[f"{prefix}-equipment"] == "broken"
    assert 'value="broken" selected' in html
    check.refresh_from_db()
    assert not check.is_checked


def test_officials_read_the_results_without_phones_nor_comments(client, users, ceremony):
    drawn = verification.round_draw(ceremony=ceremony, months=0, by=users["regional"], size=2)
    first = drawn.checks.order_by("position").first()
    record(first, users["coordinator"], received="problems", equipment="idle", comment="panne")
    person = first.handover.project.beneficiary
    url = reverse("verification_round", args=[ceremony.pk, 0])
    official = signed_in(client, users["official"]).get(url).content.decode()
    assert person.file_number in official and "tel:" not in official
    assert "panne" not in official and "Record the check" not in official
    regional = signed_in(client, users["regional"]).get(url).content.decode()
    assert f'href="tel:{person.phone}"' in regional and "panne" in regional
    detail = plain(client.get(reverse("ceremony_detail", args=[ceremony.pk])))
    assert "1 of 2 checked" in detail


def test_a_person_whose_file_moved_to_another_centre_shows_no_phone_nor_form(
    client, users, ceremony, elsewhere
):
    # A file moves after its ceremony (casework/transfers.py): the ceremony's centre still
    # reads the sample's names, as on the ceremony page, but no longer the person's phone,
    # comments or a form it could not save.
    from beneficiaries.models import Beneficiary

    drawn = verification.round_draw(ceremony=ceremony, months=0, by=users["regional"], size=2)
    moved, stayed = (c.handover.project.beneficiary for c in drawn.checks.order_by("position"))
    record(drawn.checks.get(position=1), users["regional"], received="problems", comment="panne")
    Beneficiary.objects.filter(pk=moved.pk).update(centre=elsewhere["centre"])
    url = reverse("verification_round", args=[ceremony.pk, 0])
    page = signed_in(client, users["coordinator"]).get(url).content.decode()
    assert moved.file_number in page and f'href="tel:{moved.phone}"' not in page
    assert "panne" not in page
    assert f'href="tel:{stayed.phone}"' in page
    assert page.count("Save the check") == 1


def test_the_round_page_costs_the_same_queries_whatever_the_sample(
    client, users, centre, convention
):
    signed_in(client, users["coordinator"])

    def cost(size):
        ceremony = hold(users, centre, size, held_on=timezone.localdate())
        drawn = verification.round_draw(
            ceremony=ceremony, months=0, by=users["regional"], size=size
        )
        record(drawn.checks.first(), users["coordinator"])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("verification_round", args=[ceremony.pk, 0])).status_code
        return len(queries)

    cost(1)  # the first request of the session reads what the next ones find cached
    assert cost(2) == cost(7)


def test_the_convention_page_shows_what_its_handovers_checks_found(
    client, users, ceremony, convention
):
    drawn = verification.round_draw(ceremony=ceremony, months=0, by=users["regional"], size=3)
    for check in drawn.checks.all():
        record(check, users["coordinator"], received="not_received", equipment="")
    signed_in(client, users["official"])
    page = client.get(reverse("convention_detail", args=[convention.pk]))
    html = plain(page)
    assert 'id="convention-verification"' in html and "3 of 3 checked" in html
    empty = Convention.objects.exclude(pk=convention.pk).first()
    if empty is not None:
        assert verification.convention_section(empty, users["official"]) is None
    assert VerificationCheck.objects.filter(received="not_received").count() == 3
