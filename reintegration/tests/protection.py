"""For the few tests that set up history the database now refuses to write (a decision taken
last year, text stored before a migration cleaned it): ``unprotected(migration)`` drops the
triggers one protecting migration created, for the time of the block, and creates them again.
Only inside a test's transaction, which is rolled back whatever happens, so the triggers are
back for the next test on SQLite and PostgreSQL alike (both undo DDL on rollback)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module

from django.db import connection


@contextmanager
def unprotected(migration: str) -> Iterator[None]:
    """``migration`` names the module of a migration made of one ``VendorSQL`` operation that
    protects one app's tables ("projects.migrations.0010_protect_decisions")."""
    assert connection.in_atomic_block, "only inside a test's transaction"
    (operation,) = import_module(migration).Migration.operations
    with connection.cursor() as cursor:
        for statement in operation.reverse_sql[connection.vendor]:
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        for statement in operation.sql[connection.vendor]:
            cursor.execute(statement)
