"""Every URL of the application, requested by an anonymous visitor and by each role.

The matrix is the role table of ARCHITECTURE.md made executable. A new URL that is not in it
fails ``test_every_url_is_in_the_matrix``, so no view escapes the review of who may use it.
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from partners.models import Convention
from reintegration.models import Centre, User
from reintegration.tests import confirming
from reintegration.tests.pdf_stub import skip_pdf_layout
from reintegration.tests.worlds import built_once, make_centre, make_convention, make_users

# The matrix checks who gets each document, not what it says: PDFs are laid out in the tests
# that read them (certificates, ceremonies, dashboard, conventions, access requests).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_pdf_layout")]

ROLES = ("coordinator", "regional", "official", "national", "auditor")
ANONYMOUS = "anonymous"
LOGIN = 302  # anonymous visitors are sent to the sign-in page


def everyone(status, anonymous=LOGIN):
    return {ANONYMOUS: anonymous, **dict.fromkeys(ROLES, status)}


def only(allowed, status=200, anonymous=LOGIN, denied=403):
    return {ANONYMOUS: anonymous, **{r: status if r in allowed else denied for r in ROLES}}


READERS = {"coordinator", "regional", "national", "auditor"}
WRITERS = {"coordinator", "national"}
PREPARERS = {"coordinator", "regional", "national"}
PRINTERS = {"coordinator", "regional", "official", "national"}
# Tasks: the centre's and the region's staff and headquarters work them, auditors read them,
# officials see no file.
TASK_WRITERS = {"coordinator", "regional", "national"}

# url name -> (method, object the URL is about, expected status per visitor). POST entries send
# an empty form. Objects belong to the users' own centre (see the ``objects`` fixture).
MATRIX = {
    "home": ("get", None, everyone(200)),
    # Every role has a dashboard, each within its own scope (officials: aggregates only).
    "dashboard_export": ("get", "dashboard_table", everyone(200)),
    # Long work starts a job and goes back to its page, which shows the progress.
    "dashboard_pdf": ("post", None, everyone(302)),
    "centre_list": ("get", None, everyone(200)),
    "audit_log": ("get", None, only({"national", "auditor"})),
    # A job is followed by whoever started it, and by those its kind names (the issuing of a
    # ceremony's certificates: everyone who sees the ceremony); others are told it does not
    # exist.
    "job_status": ("get", "issuing_job", everyone(200)),
    "job_result": ("get", "batch_job", only({"coordinator"}, denied=404)),
    "outbox_failures": ("get", None, only({"national"})),
    "outbox_retry": ("post", "failed_message", only({"national"}, status=302)),
    # Everyone has an inbox; a notification opens (and leads to its link) for its recipient
    # only, here the coordinator: for anyone else it does not exist.
    "notification_list": ("get", None, everyone(200)),
    "notification_open": ("get", "notification", only({"coordinator"}, status=302, denied=404)),
    "notifications_read_all": ("post", None, everyone(302)),
    "notification_preference": ("post", None, everyone(302)),
    "audit_log_export": ("get", None, only({"national", "auditor"})),
    # Who opened which person's data: read by the same two roles as the audit log.
    "access_log": ("get", None, only({"national", "auditor"})),
    "access_log_export": ("get", None, only({"national", "auditor"})),
    "set_language": ("post", None, everyone(302, anonymous=302)),
    "healthz": ("get", None, everyone(200, anonymous=200)),
    "login": ("get", None, {ANONYMOUS: 200, **dict.fromkeys(ROLES, 302)}),
    "logout": ("post", None, everyone(302, anonymous=302)),
    "password_change": ("get", None, everyone(200)),
    "password_change_done": ("get", None, everyone(200)),
    # Asking for a reset link, and following one: open to all (the link here is not valid).
    "password_reset": ("get", None, everyone(200, anonymous=200)),
    "password_reset_done": ("get", None, everyone(200, anonymous=200)),
    "password_reset_confirm": ("get", "reset_link", everyone(200, anonymous=200)),
    "password_reset_complete": ("get", None, everyone(200, anonymous=200)),
    # Two-factor sign-in: every role may set one up. The second step sends away whoever owes
    # none (here: nobody has a device and the suite requires none, see conftest.py).
    "two_factor": ("get", None, everyone(200)),
    "two_factor_setup": ("get", None, everyone(200)),
    "two_factor_verify": ("get", None, everyone(302)),
    "admin:index": ("get", None, only({"national"})),
    "beneficiary_list": ("get", None, only(READERS)),
    # The top bar's search box: sends to the file found or to the list filtered.
    "beneficiary_search": ("get", None, only(READERS, status=302)),
    "beneficiary_create": ("get", None, only(WRITERS)),
    "beneficiary_import": ("get", None, only(WRITERS)),
    "beneficiary_import_template": ("get", None, only(WRITERS)),
    "beneficiary_export": ("get", "csv", only(READERS)),
    "beneficiary_detail": ("get", "person", only(READERS)),
    "beneficiary_edit": ("get", "person", only(WRITERS)),
    "detention_edit": ("get", "person", only(WRITERS)),
    "consent_add": ("get", "person", only(WRITERS)),
    # Text messages: the centre that writes to the file (and headquarters) texts the person;
    # the page shows the message before it is sent (CONFIRMED below sends it).
    "text_preview": ("get", "texted", only(WRITERS)),
    "text_contact_edit": ("get", "person", only(WRITERS)),
    "document_add": ("get", "person", only(WRITERS)),
    "document_download": ("get", "document", only(READERS)),
    "consent_scan": ("get", "consent", only(READERS)),
    # Actions that cannot be taken back answer a GET with what they would do (the POST with
    # confirmed=1 does it: CONFIRMED below).
    "beneficiary_archive": ("get", "person", only(WRITERS)),
    "beneficiary_restore": ("post", "archived", only(WRITERS, status=302)),
    "beneficiary_access_request": ("get", "person", only(WRITERS)),
    "project_list": ("get", None, only(READERS)),
    "approval_inbox": ("get", None, only({"regional", "national"})),
    "overdue_visits": ("get", None, only(READERS)),
    "project_create": ("get", "newcomer", only(WRITERS)),
    # The one-page summary of a file: whoever reads the file (without its detention record for
    # the auditor, projects/tests/test_file_summary.py).
    "file_summary": ("get", "newcomer", only(READERS)),
    "project_detail": ("get", "project", only(READERS)),
    "project_edit": ("get", "project", only(WRITERS)),
    "budget_lines": ("get", "project", only(WRITERS)),
    "budget_line_add": ("get", "project", only(WRITERS)),
    "budget_line_edit": ("get", "line", only(WRITERS)),
    "budget_line_delete": ("get", "line", only(WRITERS)),
    # An empty POST: the drafting roles may submit (refused with a message, so a redirect).
    "project_action": ("post", "submit", only(WRITERS, status=302)),
    "visit_record": ("get", "visit", only(WRITERS)),
    # Conventions are read by every role within its territory (the one here covers Tanger).
    "convention_list": ("get", None, everyone(200)),
    "partner_list": ("get", None, everyone(200)),
    "convention_detail": ("get", "convention", everyone(200)),
    "convention_report": ("get", "convention", everyone(200)),
    "convention_report_file": ("get", "convention_xlsx", everyone(200)),
    "convention_report_pdf": ("post", "convention", everyone(302)),
    # Ceremonies: centres prepare, regional staff and headquarters hold them, officials of the
    # province read and print, auditors read; certificates are issued by centres and
    # headquarters, printed by all but auditors (who may only verify them, like anyone).
    "ceremony_list": ("get", None, everyone(200)),
    "ceremony_create": ("get", None, only(PREPARERS)),
    "ceremony_detail": ("get", "ceremony", everyone(200)),
    "ceremony_edit": ("get", "ceremony", only(PREPARERS)),
    "ceremony_projects": ("get", "ceremony", only(PREPARERS)),
    "handover_edit": ("get", "handover", only(PREPARERS)),
    "handover_remove": ("get", "handover", only(PREPARERS)),
    "ceremony_action": ("get", "hold", only({"regional", "national"})),
    "ceremony_cancel": ("get", "ceremony", only(PREPARERS)),
    "ceremony_text": ("get", "reminded", only(WRITERS)),
    "ceremony_attendance": ("get", "ceremony", only(PRINTERS)),
    "certificates_issue": ("post", "held", only(WRITERS, status=302)),
    "ceremony_batch": ("get", "held", only(PRINTERS)),
    "ceremony_batch_prepare": ("post", "held", only(PRINTERS, status=302)),
    "certificate_pdf": ("get", "certificate", only(PRINTERS)),
    "certificate_correct": ("post", "certificate", only(WRITERS, status=302)),
    "task_list": ("get", None, only(READERS)),
    "task_add": ("get", "newcomer", only(TASK_WRITERS)),
    # Marking done cannot be taken back: a GET says what it does (CONFIRMED below).
    "task_done": ("get", "task", only(TASK_WRITERS)),
    "task_postpone": ("get", "task", only(TASK_WRITERS)),
    "task_reassign": ("get", "task", only(TASK_WRITERS)),
    "certificate_verify_form": ("get", None, everyone(200, anonymous=200)),
    "certificate_verify": ("get", "code", everyone(200, anonymous=200)),
    # Transfers between centres: the centres ask and answer for their own files, headquarters
    # may do all, regional staff and auditors read, officials see none. "transfer" was asked by
    # the users' centre (Tanger) of Salé, "incoming" by Salé of Tanger.
    "transfer_list": ("get", None, only(READERS)),
    "transfer_detail": ("get", "transfer", only(READERS)),
    "transfer_request": ("get", "movable", only(WRITERS)),
    "transfer_accept": ("get", "incoming", only(WRITERS)),
    "transfer_decline": ("get", "incoming", only(WRITERS)),
    "transfer_cancel": ("get", "transfer", only(WRITERS)),
    # Caseloads: read like files; coordinators go straight to their own centre's.
    "caseload": ("get", None, {**only(READERS), "coordinator": 302}),
    "caseload_centre": ("get", "centre", only(READERS)),
    # Needs assessments: read like the file (officials see the dashboard's counts only),
    # recorded by those who write to it; headquarters read the questionnaires.
    "needs_list": ("get", "assessed", only(READERS)),
    "needs_detail": ("get", "assessment", only(READERS)),
    "needs_new": ("get", "person", only(WRITERS)),
    "questionnaire_list": ("get", None, only({"national", "auditor"})),
    # Handover verification: the region and headquarters draw the samples; the centre, the
    # region and headquarters record the calls (an empty form is shown again, 400); officials
    # and auditors read the results.
    "verification_round": ("get", "sampled", everyone(200)),
    "verification_draw": ("get", "drawable", only({"regional", "national"})),
    "verification_check": ("post", "check", only(TASK_WRITERS, status=400)),
    # Partners' services: headquarters keeps the catalogue, every role reads it.
    "partner_service_list": ("get", None, everyone(200)),
    "partner_service_create": ("get", None, only({"national"})),
    "partner_service_edit": ("get", "partner_service", only({"national"})),
    # Referrals and placements in employment: the centre writes for its files, headquarters
    # for all; regional staff and auditors read them on the file; officials see no file.
    "referral_list": ("get", None, only(READERS)),
    "referral_create": ("get", "newcomer", only(WRITERS)),
    "referral_answer": ("get", "referral", only(WRITERS)),
    "referral_outcome": ("get", "accepted_referral", only(WRITERS)),
    "placement_create": ("get", "newcomer", only(WRITERS)),
    # Ending a placement asks first (CONFIRMED below ends it).
    "placement_end": ("get", "placement", only(WRITERS)),
    "placement_check": ("get", "placement", only(WRITERS)),
}

DECIDERS = {"regional", "national"}
# The second step of the actions that ask first, and the rejection's confirmation page (its URL
# is project_action's, whose MATRIX entry is the submission): the same checks as the page that
# asked. (url name, object, method, data, expected status per visitor.)
CONFIRMED = [
    ("beneficiary_archive", "person", "post", {"reason": "moved"}, only(WRITERS, status=302)),
    ("budget_line_delete", "line", "post", {}, only(WRITERS, status=302)),
    ("text_preview", "texted", "post", {}, only(WRITERS, status=302)),
    ("ceremony_text", "reminded", "post", {}, only(WRITERS, status=302)),
    ("handover_remove", "handover", "post", {}, only(PREPARERS, status=302)),
    ("ceremony_action", "hold", "post", {}, only(DECIDERS, status=302)),
    ("ceremony_cancel", "ceremony", "post", {"reason": "report"}, only(PREPARERS, status=302)),
    ("project_action", "reject", "get", None, only(DECIDERS)),
    ("project_action", "reject", "post", {"comment": "non"}, only(DECIDERS, status=302)),
    (
        "transfer_request",
        "movable",
        "post",
        {"to_centre": lambda: Centre.objects.get(code="SLE").pk, "reason": "installé à Salé"},
        only(WRITERS, status=302),
    ),
    ("transfer_accept", "incoming", "post", {}, only(WRITERS, status=302)),
    ("transfer_decline", "incoming", "post", {"reason": "non"}, only(WRITERS, status=302)),
    ("transfer_cancel", "transfer", "post", {}, only(WRITERS, status=302)),
    # The bulk change of referents: the centre's coordinators and headquarters (an empty form is
    # shown again with what is missing).
    ("caseload_centre", "centre", "post", {}, only(WRITERS)),
    ("task_done", "task", "post", {}, only(TASK_WRITERS, status=302)),
    # A needs assessment sent empty comes back with what is missing; nothing is recorded.
    ("needs_new", "person", "post", {}, only(WRITERS, status=400)),
    (
        "verification_draw",
        "drawable",
        "post",
        {"mode": "typed", "size": "1"},
        only({"regional", "national"}, status=302),
    ),
    (
        "placement_end",
        "placement",
        "post",
        {"ended_on": lambda: date_typed(0), "version": "1"},
        only(WRITERS, status=302),
    ),
]


def date_typed(days_ago: int) -> str:
    import datetime

    from django.utils import timezone

    return (timezone.localdate() - datetime.timedelta(days=days_ago)).strftime("%d/%m/%Y")


def make_sale():
    """Salé's centre, in another region than Tanger's and Casablanca's."""
    from reintegration.tests.factories import CentreFactory

    return CentreFactory(code="SLE", province__code="04.441")


def builders(users, centre, convention) -> dict:
    """For each kind of object a URL is about, a function that builds one and returns the
    URL's arguments."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from beneficiaries import services
    from beneficiaries.models import ConsentText
    from beneficiaries.tests.factories import PDF_BYTES, BeneficiaryFactory
    from projects.tests.factories import equipped, make_project

    coordinator = users["coordinator"]

    def person():
        return BeneficiaryFactory(centre=centre, by=coordinator)

    def texted():
        """A file whose person agreed to text messages, with a follow-up visit to come."""
        from beneficiaries import texting

        file = person()
        texting.text_contact_update(beneficiary=file, by=coordinator, language="ar", consent=True)
        equipped(make_project(file, coordinator), users, timezone.localdate())
        return {"pk": file.pk}

    def reminded():
        """A ceremony to come whose beneficiary agreed to text messages."""
        import datetime

        from beneficiaries import texting
        from ceremonies.services import ceremony_add_projects
        from ceremonies.tests.factories import plan_ceremony
        from projects.tests.factories import approved

        file = person()
        texting.text_contact_update(beneficiary=file, by=coordinator, language="fr", consent=True)
        project = approved(make_project(file, coordinator), users)
        later = timezone.localdate() + datetime.timedelta(days=5)
        planned = plan_ceremony(coordinator, held_on=later)
        ceremony_add_projects(ceremony=planned, by=coordinator, project_ids=[project.pk])
        return {"pk": planned.pk}

    def archived():
        file = person()
        services.beneficiary_archive(beneficiary=file, by=coordinator, reason="moved")
        return {"pk": file.pk}

    def document():
        file = person()
        attached = services.document_attach(
            beneficiary=file,
            by=coordinator,
            upload=SimpleUploadedFile("a.pdf", PDF_BYTES),
            kind="other",
        )
        return {"pk": file.pk, "document_pk": attached.pk}

    def consent():
        file = person()
        given = services.consent_record(
            beneficiary=file,
            by=coordinator,
            data={
                "given_on": file.created_at.date(),
                "language": "ar",
                "text": ConsentText.objects.get(),
                "scan": SimpleUploadedFile("signed.pdf", PDF_BYTES),
            },
        )
        return {"pk": file.pk, "consent_pk": given.pk}

    def visit():
        followed = equipped(make_project(person(), coordinator), users, timezone.localdate())
        return {"pk": followed.pk, "visit_pk": followed.visits.first().pk}

    def ceremony():
        from ceremonies.services import ceremony_add_projects
        from ceremonies.tests.factories import plan_ceremony
        from projects.tests.factories import approved

        project = approved(make_project(person(), coordinator), users)
        planned = plan_ceremony(coordinator)
        ceremony_add_projects(ceremony=planned, by=coordinator, project_ids=[project.pk])
        return {"pk": planned.pk, "handover_pk": planned.handovers.get().pk}

    def held():
        from ceremonies.certificates import certificates_issue

        project = equipped(make_project(person(), coordinator), users, timezone.localdate())
        ceremony = project.handover.ceremony
        issued = certificates_issue(ceremony=ceremony, by=coordinator)[0]
        return {"pk": ceremony.pk, "certificate_pk": issued.pk, "code": issued.code}

    def issuing_job():
        from ceremonies import jobs as ceremony_jobs
        from ceremonies.models import Ceremony
        from reintegration import jobs

        ceremony = Ceremony.objects.get(pk=held()["pk"])
        job = jobs.job_start(
            ceremony_jobs.issue_certificates,
            key=ceremony_jobs.issue_key(ceremony),
            by=coordinator,
            params={"ceremony": ceremony.pk},
        )
        return {"pk": job.pk}

    def batch_job():
        from ceremonies import jobs as ceremony_jobs
        from ceremonies.models import Ceremony
        from reintegration import jobs

        ceremony = Ceremony.objects.get(pk=held()["pk"])
        job = jobs.job_start(
            ceremony_jobs.certificates_batch,
            key=ceremony_jobs.batch_key(ceremony, coordinator),
            by=coordinator,
            params={"ceremony": ceremony.pk},
        )
        jobs.run_job.call(job.pk)  # done, with its PDF to download
        return {"pk": job.pk}

    def failed_message():
        from reintegration.models import OutboxMessage

        message = OutboxMessage.objects.create(
            reason="test", to="someone@example.org", subject="-", body="-", status="failed"
        )
        return {"pk": message.pk}

    def notification():
        from reintegration import notifications

        [made] = notifications.notify(
            [coordinator], kind="project.return", url="/projects/", params={"number": "TNG-1"}
        )
        return {"pk": made.pk}

    def submitted():
        from projects.services import project_submit

        project = make_project(person(), coordinator)
        return project_submit(project=project, by=coordinator)

    def line():
        project = make_project(person(), coordinator)
        return {"pk": project.pk, "line_pk": project.lines.get().pk}

    def transfer(incoming=False):
        from casework.transfers import transfer_request
        from reintegration.tests.factories import UserFactory

        sale = make_sale()
        if incoming:
            theirs = UserFactory(coordinator=True, centre=sale)
            file = BeneficiaryFactory(centre=sale, by=theirs)
            return transfer_request(beneficiary=file, to_centre=centre, reason="x", by=theirs)
        return transfer_request(beneficiary=person(), to_centre=sale, reason="x", by=coordinator)

    def task():
        from casework.services import task_create

        written = task_create(
            beneficiary=person(),
            title="Appeler l'employeur",
            due_on=timezone.localdate(),
            assignee=coordinator,
            by=coordinator,
        )
        return {"pk": written.pk}

    def assessment():
        from beneficiaries.assessments import active_questionnaire, assessment_record
        from beneficiaries.needs import questions

        file = person()
        questionnaire = active_questionnaire()
        made = assessment_record(
            beneficiary=file,
            questionnaire=questionnaire,
            occasion="intake",
            assessed_on=timezone.localdate(),
            answers={
                question_id: question["choices"][0]["id"]
                for question_id, question in questions(questionnaire.definition).items()
            },
            by=coordinator,
        )
        return {"pk": file.pk, "assessment_pk": made.pk}

    def drawable():
        project = equipped(make_project(person(), coordinator), users, timezone.localdate())
        return {"pk": project.handover.ceremony_id, "months": 0}

    def sampled():
        from ceremonies import verification
        from ceremonies.models import Ceremony

        about = drawable()
        ceremony = Ceremony.objects.get(pk=about["pk"])
        drawn = verification.round_draw(ceremony=ceremony, months=0, by=users["regional"], size=1)
        return {**about, "check_pk": drawn.checks.get().pk}

    def referral(answer=False):
        from projects.tests.referral_factories import accepted, refer

        made = (accepted if answer else refer)(person(), coordinator)
        return {"pk": made.pk}

    def placement():
        from projects.tests.referral_factories import place

        return {"pk": place(person(), coordinator).pk}

    def partner_service():
        from projects.tests.referral_factories import make_service

        return {"pk": make_service().pk}

    builders = {
        None: dict,
        "assessment": assessment,
        "assessed": lambda: {"pk": assessment()["pk"]},
        "drawable": drawable,
        "sampled": lambda: {k: v for k, v in sampled().items() if k != "check_pk"},
        "check": sampled,
        "partner_service": partner_service,
        "referral": referral,
        "accepted_referral": lambda: referral(answer=True),
        "placement": placement,
        "transfer": lambda: {"pk": transfer().pk},
        "incoming": lambda: {"pk": transfer(incoming=True).pk},
        "movable": lambda: {"beneficiary_pk": person().pk},
        "centre": lambda: {"centre_pk": centre.pk},
        "csv": lambda: {"fmt": "csv"},
        "person": lambda: {"pk": person().pk},
        "texted": texted,
        "reminded": reminded,
        "archived": archived,
        "document": document,
        "consent": consent,
        "project": lambda: {"pk": make_project(person(), coordinator).pk},
        "line": line,
        "task": task,
        "submit": lambda: {"pk": make_project(person(), coordinator).pk, "action": "submit"},
        "reject": lambda: {"pk": submitted().pk, "action": "reject"},
        "visit": visit,
        "newcomer": lambda: {"beneficiary_pk": person().pk},
        "convention": lambda: {"pk": convention.pk},
        "convention_xlsx": lambda: {"pk": convention.pk, "fmt": "xlsx"},
        "dashboard_table": lambda: {"table": "money"},
        "ceremony": lambda: {"pk": ceremony()["pk"]},
        "handover": ceremony,
        "hold": lambda: {"pk": ceremony()["pk"], "action": "hold"},
        "held": lambda: {"pk": held()["pk"]},
        "certificate": lambda: {k: v for k, v in held().items() if k != "code"},
        "code": lambda: {"code": held()["code"]},
        "issuing_job": issuing_job,
        "batch_job": batch_job,
        "failed_message": failed_message,
        "notification": notification,
        "reset_link": lambda: {"uidb64": "MQ", "token": "not-a-valid-token"},
    }
    return builders


# Objects with files are built for each test, in the test's own MEDIA_ROOT; the others once for
# the module, each kind apart as if built for its URL alone.
WITH_FILES = {"document", "consent", "batch_job"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The users, their centre and convention, one object of each kind and a signed-in session
    for each role, built once for the module (see worlds.py): each test undoes what it
    changes, the module leaves nothing."""

    def build():
        centre = make_centre()
        users = make_users(centre)
        convention = make_convention(centre)
        with pytest.MonkeyPatch.context() as monkeypatch:
            skip_pdf_layout(monkeypatch)
            kinds = builders(users, centre, convention)
            arguments = {about: kinds[about]() for about in kinds if about not in WITH_FILES}
        sessions = {}
        for role, user in users.items():
            signed_in = Client()
            signed_in.force_login(user)
            sessions[role] = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
        return {
            "centre": centre.pk,
            "users": {role: user.pk for role, user in users.items()},
            "convention": convention.pk,
            "arguments": arguments,
            "sessions": sessions,
        }

    yield from built_once(django_db_blocker, tmp_path_factory, build)


# The shared fixtures of conftest.py, read from the module's world for each test.


@pytest.fixture
def centre(world, db):
    return Centre.objects.get(pk=world["centre"])


@pytest.fixture
def users(world, centre):
    found = User.objects.in_bulk(world["users"].values())
    users = {role: found[pk] for role, pk in world["users"].items()}
    users["coordinator"].centre = centre
    return users


@pytest.fixture
def convention(world, db):
    return Convention.objects.get(pk=world["convention"])


def sign_in(client, world, role):
    """As ``client.force_login`` does, with the session the world opened for ``role``."""
    client.cookies[settings.SESSION_COOKIE_NAME] = world["sessions"][role]


@pytest.fixture
def objects(world, request):
    """The arguments of a URL about ``about``: the module's object of that kind, or, with
    files, one built for this test (with the users, centre and convention read only then)."""

    def arguments(about):
        if about in WITH_FILES:
            fixtures = (request.getfixturevalue(name) for name in ("users", "centre", "convention"))
            return builders(*fixtures)[about]()
        return dict(world["arguments"][about])

    return arguments


# The Django admin's generated URLs all pass through one gate, AdminSite.has_permission,
# covered here by "admin:index" and in test_admin.py per model.
DELEGATED_NAMESPACES = {"admin"}


def all_url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from all_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed>"


def test_every_url_is_in_the_matrix():
    names = {
        name
        for name in all_url_names()
        if name.split(":")[0] not in DELEGATED_NAMESPACES or name == "admin:index"
    }
    assert names - MATRIX.keys() == set(), "add these URLs to the permission matrix"
    assert MATRIX.keys() - names == set(), "these matrix entries no longer exist"


# The Content-Security-Policy of every page (reintegration/settings.py), directive by directive.
POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def policy(header: str) -> dict[str, set[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: set(values) for name, *values in directives}


def assert_headers(response, *where):
    """What every answer carries, whoever asks: never stored by a browser or a proxy (ASVS 5.0
    14.3.2: pages, exports, PDFs and documents hold personal data), and for a page, the policy
    that keeps scripts and styles to the application's own files and forbids framing (3.4.3,
    3.4.6)."""
    assert "no-store" in response.get("Cache-Control", ""), where
    if response.get("Content-Type", "").startswith("text/html"):
        assert policy(response.get("Content-Security-Policy", "")) == POLICY, where


@pytest.mark.parametrize("visitor", [ANONYMOUS, *ROLES])
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_permission_matrix(client, world, objects, url_name, visitor):
    method, about, expected = MATRIX[url_name]
    if visitor != ANONYMOUS:
        sign_in(client, world, visitor)
    response = getattr(client, method)(reverse(url_name, kwargs=objects(about)))
    assert response.status_code == expected[visitor], (url_name, visitor)
    assert_headers(response, url_name, visitor)
    if visitor == ANONYMOUS and expected[visitor] == LOGIN and method == "get":
        assert response["Location"].startswith(reverse("login"))
    if response.streaming:
        # Read to the end, as a server would: the client then closes the file without closing
        # the database connection (response.close() would, and with it the module's world).
        b"".join(response.streaming_content)


def confirm(client, url, method, data):
    # A value known only once the world is built (a centre's id) is given as a function.
    data = {key: value() if callable(value) else value for key, value in (data or {}).items()}
    return client.get(url) if method == "get" else confirming.confirm(client, url, data)


@pytest.mark.parametrize("visitor", [ANONYMOUS, *ROLES])
@pytest.mark.parametrize(("url_name", "about", "method", "data", "expected"), CONFIRMED)
def test_confirmed_actions_are_checked_like_their_confirmation_page(
    client, world, objects, visitor, url_name, about, method, data, expected
):
    if visitor != ANONYMOUS:
        sign_in(client, world, visitor)
    response = confirm(client, reverse(url_name, kwargs=objects(about)), method, data)
    assert response.status_code == expected[visitor], (url_name, method, visitor)
    assert_headers(response, url_name, method, visitor)


@pytest.mark.parametrize(("url_name", "about", "method", "data", "_expected"), CONFIRMED)
@pytest.mark.parametrize("outsider", ["coordinator", "regional"])
def test_a_confirmed_action_outside_the_scope_is_not_found(
    client, objects, outsider, url_name, about, method, data, _expected
):
    from reintegration.tests.factories import CentreFactory, UserFactory

    casablanca = CentreFactory(code="CAS", province__code="06.141")
    user = (
        UserFactory(coordinator=True, centre=casablanca)
        if outsider == "coordinator"
        else UserFactory(regional=True, region=casablanca.province.region)
    )
    client.force_login(user)
    response = confirm(client, reverse(url_name, kwargs=objects(about)), method, data)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url_name",
    sorted(
        n
        for n, (_m, about, _e) in MATRIX.items()
        if about
        in (
            "person",
            "texted",
            "reminded",
            "archived",
            "document",
            "consent",
            "project",
            "line",
            "submit",
            "visit",
            "newcomer",
            "ceremony",
            "handover",
            "hold",
            "held",
            "certificate",
            "issuing_job",
            "batch_job",
            "transfer",
            "incoming",
            "movable",
            "centre",
            "task",
        )
    ),
)
@pytest.mark.parametrize("outsider", ["coordinator", "regional"])
def test_a_file_outside_the_scope_is_not_found(client, objects, url_name, outsider):
    """Staff of Casablanca asking for a Tanger file get 404, as if it did not exist."""
    from reintegration.tests.factories import CentreFactory, UserFactory

    casablanca = CentreFactory(code="CAS", province__code="06.141")
    user = (
        UserFactory(coordinator=True, centre=casablanca)
        if outsider == "coordinator"
        else UserFactory(regional=True, region=casablanca.province.region)
    )
    client.force_login(user)
    method, about, _expected = MATRIX[url_name]
    response = getattr(client, method)(reverse(url_name, kwargs=objects(about)))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url_name",
    sorted(
        n
        for n, (_m, about, expected) in MATRIX.items()
        if about in ("ceremony", "held", "certificate") and expected["official"] == 200
    ),
)
def test_an_official_of_another_province_does_not_see_the_ceremony(client, objects, url_name):
    """Officials read and print the ceremonies of their own province only."""
    from reintegration.tests.factories import ProvinceFactory, UserFactory

    client.force_login(UserFactory(official=True, province=ProvinceFactory(code="06.141")))
    method, about, _expected = MATRIX[url_name]
    response = getattr(client, method)(reverse(url_name, kwargs=objects(about)))
    assert response.status_code == 404


# What a session that owes its second factor may still open (reintegration.middleware.
# SecondFactorMiddleware), and how each answers here.
OPEN_WHILE_OWED = {
    "logout": (302, "/accounts/login/"),
    "set_language": (302, "/"),
    "healthz": (200, None),
}


@pytest.mark.parametrize("has_app", [True, False], ids=["second-step", "enrolment"])
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_a_regional_user_who_owes_the_second_factor_reaches_no_page(
    client, world, objects, settings, url_name, has_app
):
    """With the requirement on (the suite turns it off, conftest.py), regional staff signed in
    with their password only are sent from every URL of the matrix to the second step, or to
    set up an app if they have none, with the page they asked for to come back to."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.OTP_REQUIRED_ROLES = ("regional", "national")
    if has_app:
        TOTPDevice.objects.create(user_id=world["users"]["regional"], name="app", confirmed=True)
    sign_in(client, world, "regional")
    method, about, _expected = MATRIX[url_name]
    url = reverse(url_name, kwargs=objects(about))
    response = getattr(client, method)(url)
    step = reverse("two_factor_verify" if has_app else "two_factor_setup")
    if url_name in OPEN_WHILE_OWED:
        status, location = OPEN_WHILE_OWED[url_name]
        assert (response.status_code, response.get("Location")) == (status, location)
    elif url_name == ("two_factor_verify" if has_app else "two_factor_setup"):
        assert response.status_code == 200  # the step itself
    elif url_name in ("two_factor_verify", "two_factor_setup"):
        assert response.status_code == 302
        assert response["Location"].startswith(step)  # the other step sends to this one
    else:
        assert response.status_code == 302, url_name
        assert response["Location"].startswith(f"{step}?next="), url_name
