import hashlib
import itertools
import os
import shutil
from importlib import metadata
from pathlib import Path

import pytest
from django.conf import settings


def pytest_configure(config):
    # Hashing with PBKDF2 costs ~100 ms per user; tests need no real password security.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Most tests start signed in with client.force_login (or its session cookie), which gives a
    # password sign-in without a second factor: with the requirement on, every page would send
    # them to set one up. The suite runs without it; the tests of two-factor sign-in
    # (reintegration/tests/test_two_factor.py, the permission matrix's, the browser's) turn it
    # back on with the settings fixture.
    settings.OTP_REQUIRED_ROLES = ()
    settings.OTP_REQUIRED_FOR_ADMIN = False
    # With -n, pytest-xdist hands tests out in chunks of up to a quarter of what is left: near
    # the end, one worker could take all the browser tests (seconds each) and finish long after
    # the others. One at a time, whoever is free takes the next.
    if config.pluginmanager.hasplugin("xdist") and config.getoption("maxschedchunk") is None:
        config.option.maxschedchunk = 1
    _commit_without_waiting_for_the_disk()
    _flush_may_empty_protected_records()
    _flush_keeps_content_types_and_permissions()


def _commit_without_waiting_for_the_disk():
    """A test database need not survive a power cut: commits return without waiting for the
    disk to confirm the write (``fsync``). On a shared virtual disk each wait took tens of
    milliseconds, and tests on a live server commit every statement: reloading the reference
    data after each browser test took 3 s of waiting for 0.3 s of work. What another
    connection sees, and when, is unchanged: only the flush to the disk is left to the system.
    On PostgreSQL, ``synchronous_commit`` off for the tests' connections does the same (a
    crash may lose the last commits, never corrupt the database)."""
    database = settings.DATABASES["default"]
    options = database.setdefault("OPTIONS", {})
    if database["ENGINE"] == "django.db.backends.sqlite3":
        options["init_command"] = "PRAGMA synchronous=OFF; PRAGMA journal_mode=MEMORY;"
    elif database["ENGINE"] == "django.db.backends.postgresql":
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


def _flush_may_empty_protected_records():
    """Tests on a live server (``transactional_db``) end with Django's flush, which empties
    every table. The audit log, decisions, ledger movements and certificates refuse DELETE in
    the database (reintegration/protected_records.py), and SQLite's flush is a DELETE per
    table: this hook, and nothing in the application, runs the test suite's flush through
    ``protected_records.emptying_for_tests()``. PostgreSQL's flush is a TRUNCATE, which row
    triggers never see, so its flush is left as it is."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    from django.db.backends.sqlite3.base import DatabaseWrapper

    from reintegration import protected_records

    operations = DatabaseWrapper.ops_class
    flush = operations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with protected_records.emptying_for_tests(self.connection.alias):
            flush(self, sql_list)

    operations.execute_sql_flush = execute_sql_flush


def _flush_keeps_content_types_and_permissions():
    """The flush after each test on a live server empties every table, then sends
    ``post_migrate``, whose only receivers (contenttypes' and auth's) write the content types
    and permissions back: some 500 rows after every browser test. The test suite's flush
    leaves those two tables alone, which only migrations write, and sends nothing."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.commands import flush

    kept = {ContentType._meta.db_table, Permission._meta.db_table}

    def sql_flush(style, connection, reset_sequences=True, allow_cascade=False):
        tables = connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        tables = [table for table in tables if table not in kept]
        return connection.ops.sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )

    flush.sql_flush = sql_flush
    flush.emit_post_migrate_signal = lambda verbosity, interactive, database: None


_MEDIA_FOLDERS = itertools.count()


@pytest.fixture(autouse=True)
def _isolated_media(request, settings, tmp_path_factory):
    """A folder of its own for each test's uploads, made only when something is written there:
    asking every test for ``tmp_path`` made (and later deleted) a folder per test, each in a
    folder pytest lists in full to number the next one."""
    if "tmp_path" in request.fixturenames:
        settings.MEDIA_ROOT = request.getfixturevalue("tmp_path") / "media"
    else:
        settings.MEDIA_ROOT = tmp_path_factory.getbasetemp() / "media" / str(next(_MEDIA_FOLDERS))


@pytest.fixture(autouse=True)
def _fresh_figures(settings):
    """Tests change the data between requests: dashboards compute their figures each time
    (the test of the cache turns it back on)."""
    settings.DASHBOARD_CACHE_SECONDS = 0


@pytest.fixture
def no_pdf_layout(monkeypatch):
    """For tests about who gets a PDF, not what it says (see reintegration/tests/pdf_stub.py)."""
    from reintegration.tests.pdf_stub import skip_pdf_layout

    skip_pdf_layout(monkeypatch)


@pytest.fixture
def centre(db):
    from reintegration.tests.worlds import make_centre

    return make_centre()


@pytest.fixture
def users(db, centre):
    """One user per role, all scoped to the area around ``centre`` (Tanger)."""
    from reintegration.tests.worlds import make_users

    return make_users(centre)


@pytest.fixture
def person(users, centre):
    """A file of the users' centre (Tanger), opened by its coordinator."""
    from beneficiaries.tests.factories import BeneficiaryFactory

    return BeneficiaryFactory(centre=centre, by=users["coordinator"])


@pytest.fixture
def elsewhere(db):
    """Casablanca: another region, its own coordinator and regional staff."""
    from reintegration.tests.worlds import make_elsewhere

    return make_elsewhere()


@pytest.fixture
def convention(db, centre):
    """An active committee convention covering the users' province, with room to spare."""
    from reintegration.tests.worlds import make_convention

    return make_convention(centre)


@pytest.fixture
def reference_data(transactional_db):
    """Browser tests run against a live server, so their database is emptied after each test,
    which also removes the rows the data migrations loaded: insert them again, as they were
    read once the database was migrated (``REFERENCE_ROWS``), one statement per table and all
    in one transaction. (Running the migrations' loading functions again, which look up and
    update each row, took 0.2 to 0.3 s per test.) If the tables still hold their rows
    (no test emptied the database yet), nothing is inserted."""
    from reintegration.tests.worlds import REFERENCE_ROWS, insert_again

    if REFERENCE_ROWS and not type(REFERENCE_ROWS[0][0])._base_manager.exists():
        insert_again(REFERENCE_ROWS)


@pytest.fixture
def run_jobs(monkeypatch):
    """``run_jobs()`` runs the queued background tasks through the real worker (django-tasks'
    ``db_worker``, database backend) in this process, until none is due; ``run_jobs(1)`` runs
    one. The worker normally drops a database connection left inside a transaction; here that
    transaction is the test's own, so it keeps it."""
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run(max_tasks: int | None = None) -> None:
        options = ["--batch", "--no-startup-delay", "--interval", "0"]
        if max_tasks:
            options += ["--max-tasks", str(max_tasks)]
        call_command("db_worker", *options, verbosity=0)

    return run


# --- A migrated SQLite test database, kept between runs -------------------------------------
# Building the test database runs every migration: several seconds per worker, in every run.
# On SQLite the migrated database is a file: it is kept beside the checkout (git-ignored),
# named after a digest of every migration and of the versions of the packages that bring
# migrations, and copied for each worker; any change to a migration makes a new one. A clean
# checkout (CI) builds it once; PostgreSQL always migrates.

MIGRATING_PACKAGES = ("Django", "django-axes", "django-tasks-db")


def _migrations_digest() -> str:
    digest = hashlib.sha256()
    for package in MIGRATING_PACKAGES:
        digest.update(f"{package}=={metadata.version(package)}\n".encode())
    root = Path(settings.BASE_DIR)
    for path in sorted(root.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _sqlite_test_file() -> Path | None:
    database = settings.DATABASES["default"]
    name = database.get("TEST", {}).get("NAME")
    if database["ENGINE"] != "django.db.backends.sqlite3" or not name or ":memory:" in name:
        return None
    return Path(name)


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's set-up of the test database, starting from the kept migrated copy when
    there is one (see above)."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _get_databases_for_setup

    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    target = _sqlite_test_file()
    template = None
    keepdb = False
    if target is not None and django_db_use_migrations and not django_db_createdb:
        template = Path(settings.BASE_DIR) / f"test-db-template-{_migrations_digest()}.sqlite3"
        if template.exists():
            shutil.copyfile(template, target)
            keepdb = True
    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized_aliases,
            keepdb=keepdb,
        )
        from reintegration.tests.worlds import REFERENCE_ROWS, every_row

        REFERENCE_ROWS[:] = every_row()
    if template is not None and not keepdb:
        # Another worker may be writing the same file: write aside, then rename.
        partial = template.with_suffix(f".{os.getpid()}.partial")
        shutil.copyfile(target, partial)
        os.replace(partial, template)
        for old in template.parent.glob("test-db-template-*.sqlite3"):
            if old != template:
                old.unlink(missing_ok=True)
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=request.config.option.verbose)
