import pytest
from django.core.management import CommandError, call_command

from reintegration.models import AuditEntry, Centre, User
from reintegration.tests.factories import CentreFactory

pytestmark = pytest.mark.django_db


def test_healthz_reports_a_working_database(client):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok"}


def test_the_centre_list_shows_only_the_centres_in_scope(client, users):
    CentreFactory(code="CAS", name_fr="CAR Casablanca", province__code="06.141")
    User.objects.filter(pk=users["coordinator"].pk).update(language="fr")
    client.force_login(users["coordinator"])
    html = client.get("/centres/").content.decode()
    assert "CAR TNG" in html and "CAR Casablanca" not in html


def test_the_centre_list_costs_the_same_queries_for_8_or_80_centres(
    client, users, django_assert_max_num_queries
):
    client.force_login(users["national"])
    for index in range(80):
        CentreFactory(code=f"Z{chr(65 + index // 26)}{chr(65 + index % 26)}")
    # Among them the top bar's count of unread notifications.
    with django_assert_max_num_queries(7):
        assert client.get("/centres/").status_code == 200


def test_navigation_shows_each_role_only_what_it_may_use(client, users):
    client.force_login(users["coordinator"])
    html = client.get("/").content.decode()
    assert 'href="/centres/"' in html
    assert 'href="/audit/"' not in html and 'href="/admin/"' not in html
    client.force_login(users["national"])
    html = client.get("/").content.decode()
    assert 'href="/audit/"' in html and 'href="/admin/"' in html


def test_the_audit_log_reads_as_sentences_and_filters_by_action(client, users):
    User.objects.filter(pk=users["auditor"].pk).update(language="en")
    client.force_login(users["auditor"])
    AuditEntry.objects.create(action="auth.login_failed", actor_label="intruder")
    AuditEntry.objects.create(action="auth.logout", actor_label="samira")
    html = client.get("/audit/?action=auth.login_failed").content.decode()
    assert "Failed sign-in attempt for “intruder”." in html
    assert "samira signed out." not in html


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refuses to run"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_healthz_answers_plain_http_even_when_https_is_enforced(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_healthz_answers_a_probe_that_names_the_server_by_its_address(client, settings):
    """Load balancers probe each server by its address, which ALLOWED_HOSTS does not list: the
    health check answers before the host is checked, as it answers before the session is read
    (test_healthz.py). Every other page still refuses an unknown host."""
    settings.ALLOWED_HOSTS = ["example.org"]
    assert client.get("/healthz", HTTP_HOST="10.0.0.5").status_code == 200
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.5").status_code == 400


def test_seed_demo_creates_every_role_and_a_second_run_changes_nothing(capsys, no_pdf_layout):
    # The demo issues its ceremonies' certificates; their layout is tested with the certificates
    # (laying out 17 PDFs took two thirds of this test). The second run finds every part of the
    # demo already there and returns early: the first run is what costs.
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert "  coordinator        Centre coordinator       CAR Tanger" in output
    assert "  auditor            Auditor                  all of Morocco" in output
    # Caseloads and transfers: Tanger's files shared by its two coordinators, one file moved to
    # Casablanca with both centres in its history, one request waiting for Tanger.
    from beneficiaries.models import Beneficiary
    from casework.models import TransferRequest

    transfers = TransferRequest.objects.values_list(
        "from_centre__code", "to_centre__code", "status"
    )
    assert sorted(transfers) == [("CAS", "TNG", "requested"), ("TNG", "CAS", "accepted")]
    moved = TransferRequest.objects.get(status="accepted").beneficiary
    assert (moved.centre.code, moved.referent.username) == ("CAS", "coordinator.casa")
    referents = Beneficiary.objects.filter(centre__code="TNG").values_list("referent__username")
    assert set(referents) == {("coordinator",), ("coordinator.tng2",)}
    # Handover verification: a ceremony's sample after it called in full, with problems found
    # (a task each), its 6-month sample under way.
    from ceremonies import verification
    from ceremonies.models import Ceremony
    from sampledata.verification import PLACE

    after, six, twelve = verification.ceremony_rounds(Ceremony.objects.get(place=PLACE))
    assert after.tally is not None and after.tally.complete
    assert six.tally is not None and 0 < six.tally.checked < six.tally.sampled
    assert twelve.round is None
    # Referrals in every state and outcome; jobs asked about at the 12-month visits, one person
    # still employed, one not.
    from projects.models import PlacementCheck, Referral

    assert set(Referral.objects.values_list("status", "outcome")) == {
        ("requested", ""),
        ("declined", ""),
        ("accepted", ""),
        ("accepted", "achieved"),
        ("accepted", "partly"),
        ("accepted", "not_achieved"),
    }
    at_twelve = PlacementCheck.objects.filter(visit__milestone_months=12)
    assert sorted(at_twelve.values_list("employed", flat=True)) == [False, True]
    _the_demo_has_outcomes_over_several_cohorts()
    counts = (User.objects.count(), Centre.objects.count(), AuditEntry.objects.count())
    passwords = list(User.objects.order_by("pk").values_list("password", flat=True))
    call_command("seed_demo")
    assert (User.objects.count(), Centre.objects.count(), AuditEntry.objects.count()) == counts
    assert list(User.objects.order_by("pk").values_list("password", flat=True)) == passwords
    assert set(User.objects.values_list("role", flat=True)) == {
        "coordinator",
        "regional",
        "official",
        "national",
        "auditor",
    }
    assert Centre.objects.count() == 8
    # Needs: most open files assessed, many more than once, the change showing both ways.
    from django.db.models import Count

    from beneficiaries.assessments import latest_two
    from beneficiaries.models import NeedsAssessment

    per_person = NeedsAssessment.objects.values("beneficiary").annotate(n=Count("pk"))
    assert per_person.filter(n__gte=2).count() >= 10
    assert per_person.filter(n=3).exists()
    assert NeedsAssessment.objects.filter(occasion="visit").exists()
    changes = set()
    for row in per_person.filter(n__gte=2)[:20]:
        latest, previous = latest_two(Beneficiary.objects.get(pk=row["beneficiary"]))
        before = dict(previous.scores.values_list("domain", "score"))
        changes |= {(before[score.domain], score.score) for score in latest.scores.all()}
    assert {("red", "amber"), ("amber", "green")} & changes


def _the_demo_has_outcomes_over_several_cohorts():
    """Handovers over two years of quarters, each cohort old enough for some milestones and too
    young for others, re-incarcerations with their source, closures by coded reason and
    placements: every outcome of the dashboard has something to show."""
    from django.utils import timezone

    from ceremonies import outcomes
    from projects.models import FollowUpVisit, LifeProject, Placement

    today = timezone.localdate()
    cohorts = outcomes.cohorts(LifeProject.objects.all(), today)
    assert len(cohorts) >= 9
    assert not cohorts[0].active[-1].too_young and cohorts[-1].active[0].too_young
    reports = FollowUpVisit.objects.filter(reincarcerated_on__isnull=False)
    assert reports.count() >= 3 and all(v.reincarceration_source for v in reports)
    reasons = {reason for reason, n in outcomes.exit_reasons(LifeProject.objects.all()) if n}
    assert reasons >= set(LifeProject.ExitReason) - {LifeProject.ExitReason.OTHER}
    assert Placement.objects.count() == 10
