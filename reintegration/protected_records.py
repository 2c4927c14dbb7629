"""Records an auditor relies on, protected by the database itself.

The audit log, the ledger movements, the project decisions and the content of issued
certificates are written once. Their models already refuse to change them, but the ORM is only
one client: raw SQL, a script or a console reaches the tables directly. Triggers on those
tables refuse UPDATE and DELETE on PostgreSQL and on SQLite, whoever sends them (the
migrations ``reintegration 0004``, ``projects 0010`` and ``partners 0007`` create them; the
triggers name the rule they enforce in their error: "audit entries are append-only").

Two paths are open, each one narrow and named here:

- ``anonymising()``: the retention job (``beneficiaries.services.anonymise_archived``) removes
  the free text about a person (a reason, a comment) from the audit entries about their file
  and from their projects' decisions, when the law's retention period ends. Inside it, an
  audit entry may change its ``changes`` and a decision its ``comment``, nothing else; rows are
  never deleted. The job records what it changed in an audit entry of its own.
- ``emptying_for_tests()``: the test suite's flush (``conftest.py``) empties every table after
  each browser test. SQLite empties a table with ``DELETE``, which the triggers see, so on
  SQLite the flush goes through this path; PostgreSQL uses ``TRUNCATE``, which row triggers
  never see, and has no such path.

How a path is opened: on PostgreSQL a transaction-local setting
(``set_config('app.protected_records', 'anonymising', true)``) that the triggers read; on
SQLite, whose triggers cannot read a setting, a function registered on each connection
(``protected_records_unlocked(reason)``) that answers from the Python connection object. Both
last no longer than the ``atomic`` block that opens them. Outside the application (``psql``,
``sqlite3``) the function does not exist or the setting is unset, so everything is refused.

Triggers hold against mistakes and casual tampering, not against the owner of the database,
who can drop them: that is a matter of database roles (docs/architecture.md).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, NotSupportedError, connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState

# The PostgreSQL setting and the SQLite function the triggers read.
SETTING = "app.protected_records"
SQLITE_FUNCTION = "protected_records_unlocked"
# Where the SQLite function finds the open path: an attribute of Django's connection object,
# which belongs to one thread.
_ATTRIBUTE = "protected_records_unlocked_for"

ANONYMISING = "anonymising"
FLUSH = "flush"

# Each protected table and its triggers (the catalogue test reads them back from the database).
TRIGGERS = {
    "reintegration_auditentry": (
        "reintegration_auditentry_refuse_update",
        "reintegration_auditentry_refuse_delete",
    ),
    "projects_decision": ("projects_decision_refuse_update", "projects_decision_refuse_delete"),
    "partners_ledgermovement": (
        "partners_ledgermovement_refuse_update",
        "partners_ledgermovement_refuse_delete",
    ),
    "partners_certificate": (
        "partners_certificate_refuse_update",
        "partners_certificate_refuse_delete",
    ),
    "reintegration_accessentry": (
        "reintegration_accessentry_refuse_update",
        "reintegration_accessentry_refuse_delete",
    ),
}


def install_sqlite_function(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created`` receiver: give each new SQLite connection the function its
    triggers call. A weak reference, so that the function does not keep the connection alive."""
    if connection.vendor != "sqlite":
        return
    wrapper = weakref.ref(connection)

    def unlocked(reason: str) -> int:
        current = wrapper()
        return int(current is not None and getattr(current, _ATTRIBUTE, None) == reason)

    # Not deterministic: SQLite must ask again for every row.
    connection.connection.create_function(SQLITE_FUNCTION, 1, unlocked)


@contextmanager
def _unlocked(reason: str, using: str) -> Iterator[None]:
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            _set(connection, reason)
            # On an exception the block's savepoint (or transaction) is rolled back, which
            # also takes the setting back: PostgreSQL undoes set_config with it.
            yield
            _set(connection, "")
        else:
            setattr(connection, _ATTRIBUTE, reason)
            try:
                yield
            finally:
                setattr(connection, _ATTRIBUTE, None)


def _set(connection: BaseDatabaseWrapper, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, value])


@contextmanager
def anonymising(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Inside this block, and in its transaction only, audit entries may change their
    ``changes`` and project decisions their ``comment``. Only the retention job opens it
    (``beneficiaries.services.anonymise_archived``, which records what it changed);
    ``reintegration/tests/test_protected_records.py`` fails if anything else does."""
    with _unlocked(ANONYMISING, using):
        yield


@contextmanager
def emptying_for_tests(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """For the test suite's flush on SQLite only (``conftest.py``): inside this block, rows of
    protected tables may be deleted. PostgreSQL needs no such path: its flush is a TRUNCATE,
    which row triggers never see, and its triggers refuse every DELETE."""
    with _unlocked(FLUSH, using):
        yield


class VendorSQL(Operation):
    """Raw SQL that differs per database: ``sql`` and ``reverse_sql`` map a vendor
    ("postgresql", "sqlite") to its statements, run one by one without parameters (trigger
    bodies hold semicolons and percent signs). ``sqlmigrate`` shows them."""

    reduces_to_sql = True
    reversible = True

    def __init__(
        self, sql: dict[str, Sequence[str]], reverse_sql: dict[str, Sequence[str]]
    ) -> None:
        self.sql = sql
        self.reverse_sql = reverse_sql
        super().__init__()

    def deconstruct(self) -> tuple[str, Sequence[Any], dict[str, Any]]:
        return (
            self.__class__.__qualname__,
            [],
            {"sql": self.sql, "reverse_sql": self.reverse_sql},
        )

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._run(app_label, schema_editor, self.sql)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._run(app_label, schema_editor, self.reverse_sql)

    def _run(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        statements: dict[str, Sequence[str]],
    ) -> None:
        connection = schema_editor.connection
        if not router.allow_migrate(connection.alias, app_label):
            return
        if connection.vendor not in statements:
            raise NotSupportedError(
                f"No SQL for {connection.vendor}: this migration supports "
                f"{', '.join(sorted(statements))}."
            )
        for statement in statements[connection.vendor]:
            schema_editor.execute(statement, params=None)

    def describe(self) -> str:
        return "Raw SQL for each database vendor"
