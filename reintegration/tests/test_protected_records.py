"""The records an auditor relies on are protected by the database itself (see
reintegration/protected_records.py): raw SQL cannot change or delete them, what the
application legitimately does still works, and the one path that may rewrite free text about
a person is used only by the retention job, which records it."""

from __future__ import annotations

import ast
import datetime
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from beneficiaries import services as people
from beneficiaries.models import Beneficiary
from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies import certificates
from ceremonies.models import Certificate
from ceremonies.tests.factories import held_ceremony
from partners.models import LedgerMovement
from projects import services as projects
from projects.models import Decision
from projects.tests.factories import approved, make_project
from reintegration import access_log, audit, protected_records
from reintegration.models import AccessEntry, AuditEntry
from reintegration.tests.test_layering import FLOORS

pytestmark = pytest.mark.django_db

# What the database says when it refuses, table by table.
REFUSALS = {
    "reintegration_auditentry": ("audit entries are append-only",) * 2,
    "reintegration_accessentry": ("access log entries are append-only",) * 2,
    "projects_decision": ("project decisions are append-only",) * 2,
    "partners_ledgermovement": ("ledger movements are append-only",) * 2,
    "partners_certificate": (
        "an issued certificate cannot be changed, only cancelled",
        "an issued certificate cannot be deleted, only cancelled",
    ),
}
# A change to each table that the services never make.
FORGERIES = {
    "reintegration_auditentry": "action = 'auth.logout'",
    "reintegration_accessentry": "file_number = 'CAS-2026-0001'",
    "projects_decision": "to_status = 'rejected'",
    "partners_ledgermovement": "amount = amount + 100",
    "partners_certificate": "sha256 = 'forged'",
}
# Written out here, not read from protected_records.TRIGGERS, so that losing one in the code
# and in the database at once still fails.
TRIGGERS = {
    ("reintegration_auditentry", "reintegration_auditentry_refuse_update"),
    ("reintegration_auditentry", "reintegration_auditentry_refuse_delete"),
    ("reintegration_accessentry", "reintegration_accessentry_refuse_update"),
    ("reintegration_accessentry", "reintegration_accessentry_refuse_delete"),
    ("projects_decision", "projects_decision_refuse_update"),
    ("projects_decision", "projects_decision_refuse_delete"),
    ("partners_ledgermovement", "partners_ledgermovement_refuse_update"),
    ("partners_ledgermovement", "partners_ledgermovement_refuse_delete"),
    ("partners_certificate", "partners_certificate_refuse_update"),
    ("partners_certificate", "partners_certificate_refuse_delete"),
}


def execute(sql: str, params: list | None = None) -> int:
    """Run raw SQL in a savepoint (PostgreSQL aborts a transaction on an error) and return the
    number of rows it touched."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def refused(message: str):
    return pytest.raises(IntegrityError, match=re.escape(message))


def rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 (a table of ours)
        return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in cursor]


@pytest.fixture
def certificate(users, centre, convention, no_pdf_layout):
    """An issued certificate, with everything before it: audit entries, the decisions and the
    ledger movements of its project. Its PDF is kept, never read: its layout is skipped."""
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    project = approved(make_project(person, users["coordinator"]), users)
    ceremony = held_ceremony([project], users)
    access_log.record(AccessEntry.Kind.FILE, by=users["regional"], file_number=person.file_number)
    return certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])[0]


# --- Raw SQL is refused ---------------------------------------------------------------------


@pytest.mark.parametrize("table", REFUSALS)
def test_raw_sql_cannot_change_or_delete_a_protected_row(certificate, table):
    before = rows(table)
    assert before, f"the test needs rows in {table}"
    update_refusal, delete_refusal = REFUSALS[table]
    with refused(update_refusal):
        execute(f"UPDATE {table} SET {FORGERIES[table]}")  # noqa: S608
    with refused(delete_refusal):
        execute(f"DELETE FROM {table} WHERE id = %s", [before[0][0]])  # noqa: S608
    with refused(delete_refusal):
        execute(f"DELETE FROM {table}")  # noqa: S608
    assert rows(table) == before


@pytest.mark.parametrize(
    ("content", "value"),
    [
        ("pdf", b"%PDF-forged"),
        ("sha256", "forged"),
        ("number", "PV-2000-99999"),
        ("code", "FORGEDCODE"),
        ("snapshot", "{}"),
        ("languages", "fr"),
        ("issued_at", "2020-01-01 00:00:00"),
    ],
)
def test_a_certificate_content_never_changes_not_even_while_cancelling(
    certificate, users, content, value
):
    before = rows("partners_certificate")
    with refused("an issued certificate cannot be changed, only cancelled"):
        execute(
            f"UPDATE partners_certificate SET {content} = %s, status = 'cancelled', "  # noqa: S608
            "cancel_reason = 'x', cancelled_by_id = %s WHERE id = %s",
            [value, users["national"].pk, certificate.pk],
        )
    assert rows("partners_certificate") == before


def test_a_cancelled_certificate_cannot_be_revived_or_renamed_in_sql(certificate, users):
    new = certificates.certificate_correct(
        certificate=certificate, by=users["coordinator"], reason="Erreur de nom"
    )
    other = certificates.certificate_correct(
        certificate=new, by=users["coordinator"], reason="Erreur de CIN"
    )
    message = "an issued certificate cannot be changed, only cancelled"
    for change in (
        "status = 'current'",
        "cancel_reason = 'another reason'",
        "cancelled_at = NULL",
        f"replaced_by_id = {other.pk}",
        "replaced_by_id = NULL",
    ):
        with refused(message):
            execute(f"UPDATE partners_certificate SET {change} WHERE id = %s", [certificate.pk])  # noqa: S608
    old = Certificate.objects.get(pk=certificate.pk)
    assert (old.status, old.cancel_reason, old.replaced_by_id) == (
        "cancelled",
        "Erreur de nom",
        new.pk,
    )


# --- What the application does still works -------------------------------------------------


def test_a_certificate_is_still_cancelled_and_corrected_through_its_service(certificate, users):
    pdf, sha256 = bytes(certificate.pdf), certificate.sha256
    new = certificates.certificate_correct(
        certificate=certificate, by=users["coordinator"], reason="Erreur de nom"
    )
    old = Certificate.objects.get(pk=certificate.pk)
    assert (old.status, old.cancel_reason, old.cancelled_by, old.replaced_by) == (
        "cancelled",
        "Erreur de nom",
        users["coordinator"],
        new,
    )
    assert old.cancelled_at is not None
    assert (bytes(old.pdf), old.sha256) == (pdf, sha256)  # the bytes stay as issued
    assert new.is_current and new.number != old.number


def test_the_database_itself_lets_a_current_certificate_be_cancelled(certificate, users):
    """What ``certificate_correct`` writes first, in SQL (the service is tested above)."""
    cancelled = execute(
        "UPDATE partners_certificate SET status = 'cancelled', cancelled_at = %s,"
        " cancelled_by_id = %s, cancel_reason = 'Erreur' WHERE id = %s",
        [
            connection.ops.adapt_datetimefield_value(timezone.now()),
            users["national"].pk,
            certificate.pk,
        ],
    )
    assert cancelled == 1
    assert Certificate.objects.get(pk=certificate.pk).status == "cancelled"


def test_new_rows_are_still_written(certificate, users):
    project = certificate.handover.project
    models = (AuditEntry, Decision, LedgerMovement)
    counts = [model.objects.count() for model in models]
    audit.record("auth.login", actor=users["national"])
    Decision.objects.create(
        project=project,
        action="note",
        from_status=project.status,
        to_status=project.status,
        actor=users["national"],
    )
    LedgerMovement.objects.create(
        convention=project.allocations.get().convention,
        project=project,
        kind=LedgerMovement.Kind.DISBURSE,
        amount="1.00",
        actor=users["national"],
    )
    assert [model.objects.count() for model in models] == [count + 1 for count in counts]


# --- The retention job's path ---------------------------------------------------------------


@pytest.fixture
def archived(users, centre):
    """A file archived eleven years ago, whose project was returned then rejected with
    comments that name the person."""
    coordinator, regional = users["coordinator"], users["regional"]
    person = BeneficiaryFactory(
        centre=centre, by=coordinator, first_name_latin="Ahmed", last_name_latin="Idrissi"
    )
    project = make_project(person, coordinator)
    projects.project_submit(project=project, by=coordinator)
    projects.project_return(project=project, by=regional, comment="Ahmed Idrissi: le devis ?")
    projects.project_submit(project=project, by=coordinator)
    projects.project_reject(project=project, by=regional, comment="Idrissi a renoncé")
    people.beneficiary_archive(beneficiary=person, by=coordinator, reason="Idrissi parti à Fès")
    Beneficiary.objects.filter(pk=person.pk).update(
        archived_at=timezone.now() - datetime.timedelta(days=365 * 11)
    )
    return person


def mentions(text: str, person_pks: list[int]) -> list[str]:
    """The stored audit changes and decision comments about these people that contain ``text``."""
    entries = AuditEntry.objects.filter(target_type="beneficiaries.beneficiary").filter(
        target_id__in=[str(pk) for pk in person_pks]
    ) | AuditEntry.objects.filter(
        target_type="projects.lifeproject",
        target_id__in=[
            str(pk)
            for pk in Decision.objects.filter(project__beneficiary__in=person_pks).values_list(
                "project", flat=True
            )
        ],
    )
    found = [json.dumps(c, ensure_ascii=False) for c in entries.values_list("changes", flat=True)]
    found += list(
        Decision.objects.filter(project__beneficiary__in=person_pks).values_list(
            "comment", flat=True
        )
    )
    return [value for value in found if text in value]


def test_the_retention_job_removes_free_text_about_the_person_and_says_so(archived, users, centre):
    other = BeneficiaryFactory(centre=centre, by=users["coordinator"], last_name_latin="Idrissi")
    project = make_project(other, users["coordinator"])
    projects.project_submit(project=project, by=users["coordinator"])
    projects.project_return(project=project, by=users["regional"], comment="Idrissi: le devis ?")
    decisions = Decision.objects.filter(project__beneficiary=archived)
    kept = list(decisions.values("pk", "action", "from_status", "to_status", "actor", "created_at"))
    assert len(mentions("Idrissi", [archived.pk])) == 5  # 2 decisions, 3 audit entries

    assert people.anonymise_archived(years=10) == 1

    assert mentions("Idrissi", [archived.pk]) == []
    assert (
        list(decisions.values("pk", "action", "from_status", "to_status", "actor", "created_at"))
        == kept
    )
    assert set(decisions.values_list("comment", flat=True)) == {"", audit.REDACTED}
    archiving = AuditEntry.objects.get(action="beneficiary.archived", target_id=str(archived.pk))
    assert archiving.changes == {"reason": audit.REDACTED}
    rejection = AuditEntry.objects.get(action="project.reject")
    assert rejection.changes == {"status": ["submitted", "rejected"], "comment": audit.REDACTED}
    assert (rejection.actor, rejection.target_label) == (
        users["regional"],
        f"{archived.file_number} #{decisions[0].project_id}",
    )
    # Another person's records keep their text.
    assert len(mentions("Idrissi", [other.pk])) == 2
    # The job says which records it changed.
    entry = AuditEntry.objects.get(action="beneficiary.redacted")
    assert entry.target_id == str(archived.pk)
    assert entry.changes == {
        "audit_entries": sorted(
            AuditEntry.objects.filter(
                action__in=["beneficiary.archived", "project.return", "project.reject"],
                target_label__startswith=archived.file_number,
            ).values_list("pk", flat=True)
        ),
        "decisions": sorted(decisions.exclude(comment="").values_list("pk", flat=True)),
    }
    with translation.override("en"):
        assert str(entry) == (
            f"At the end of the retention period of the file {archived.file_number}, the free "
            "text about the person was removed from earlier audit entries and project decisions."
        )


def test_the_retention_path_opens_only_free_text_and_only_for_its_block(certificate):
    entry = AuditEntry.objects.filter(action="project.approve").first()
    decision = Decision.objects.first()
    with protected_records.anonymising():
        execute("UPDATE reintegration_auditentry SET changes = '{}' WHERE id = %s", [entry.pk])
        execute("UPDATE projects_decision SET comment = 'x' WHERE id = %s", [decision.pk])
        for table, change in FORGERIES.items():
            with refused(REFUSALS[table][0]):
                execute(f"UPDATE {table} SET {change}")  # noqa: S608
        with refused("audit entries are append-only"):
            execute("UPDATE reintegration_auditentry SET changes = '{}', actor_label = 'x'")
        with refused("project decisions are append-only"):
            execute("UPDATE projects_decision SET comment = 'y', amount = NULL")
        for table, (_update, delete_refusal) in REFUSALS.items():
            with refused(delete_refusal):
                execute(f"DELETE FROM {table}")  # noqa: S608
    # Closed again at the end of the block, in the same transaction.
    with refused("audit entries are append-only"):
        execute("UPDATE reintegration_auditentry SET changes = '{}'")
    with refused("project decisions are append-only"):
        execute("UPDATE projects_decision SET comment = 'z'")
    assert Decision.objects.get(pk=decision.pk).comment == "x"


def test_the_retention_path_closes_when_its_block_fails():
    entry = audit.record("auth.login", actor_label="someone")
    with pytest.raises(ZeroDivisionError), protected_records.anonymising():
        execute("UPDATE reintegration_auditentry SET changes = '{}' WHERE id = %s", [entry.pk])
        1 / 0  # noqa: B018
    with refused("audit entries are append-only"):
        execute("UPDATE reintegration_auditentry SET changes = '{}' WHERE id = %s", [entry.pk])


def calls_in(source: str) -> set[str]:
    """The names of the functions and methods ``source`` calls."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Attribute):
                found.add(function.attr)
            elif isinstance(function, ast.Name):
                found.add(function.id)
    return found


def test_only_the_retention_job_and_the_test_flush_open_a_path():
    """A new caller of either path must be argued for here, and in docs/architecture.md."""
    allowed = {
        "anonymising": {"beneficiaries/services.py"},
        "emptying_for_tests": {"conftest.py"},
        "redact": {"beneficiaries/services.py", "casework/services.py", "projects/services.py"},
    }
    base = Path(settings.BASE_DIR)
    paths = [base / "conftest.py"]
    for folder in (*FLOORS, "sampledata", "tests_browser", "scripts", "benchmarks"):
        paths += (base / folder).rglob("*.py")
    found: dict[str, set[str]] = {name: set() for name in allowed}
    for path in paths:
        relative = path.relative_to(base).as_posix()
        if relative == "reintegration/tests/test_protected_records.py":
            continue
        for name in calls_in(path.read_text()) & set(allowed):
            found[name].add(relative)
    assert found == allowed


# --- The triggers are in place --------------------------------------------------------------


def installed_triggers() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t"
                " JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'"
            )
        else:
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        return set(cursor.fetchall())


def test_every_protected_table_has_its_triggers():
    """Fails if a migration dropped one: on SQLite, a change to one of these tables that
    rebuilds it (most AlterField) loses its triggers; on PostgreSQL, removing a column a trigger
    reads drops the trigger. Such a migration must create them again (docs/architecture.md)."""
    assert installed_triggers() >= TRIGGERS
    assert {
        (table, name) for table, names in protected_records.TRIGGERS.items() for name in names
    } == TRIGGERS


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL's triggers compare whole rows"
)
@pytest.mark.parametrize(
    ("table", "free"),
    [
        ("reintegration_auditentry", {"changes"}),
        ("projects_decision", {"comment"}),
        (
            "partners_certificate",
            {"status", "cancelled_at", "cancelled_by_id", "cancel_reason", "replaced_by_id"},
        ),
    ],
)
def test_sqlite_update_triggers_name_every_column_they_keep(table, free):
    """SQLite's triggers compare column by column: a column added later would be left
    unprotected without being named in the trigger."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
            [f"{table}_refuse_update"],
        )
        (sql,) = cursor.fetchone()
        columns = {
            column.name for column in connection.introspection.get_table_description(cursor, table)
        }
    for column in columns - free:
        assert f"NEW.{column} IS OLD.{column}" in sql, column


# --- The test suite's flush ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_test_suite_flush_empties_protected_tables_and_closes_again(
    reference_data, certificate
):
    call_command("flush", interactive=False, verbosity=0)
    assert not any(
        model.objects.exists() for model in (AuditEntry, Decision, LedgerMovement, Certificate)
    )
    entry = audit.record("auth.login", actor_label="someone")
    with refused("audit entries are append-only"):
        execute("DELETE FROM reintegration_auditentry WHERE id = %s", [entry.pk])
