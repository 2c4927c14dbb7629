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


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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


# The data migrations whose rows the browser tests need back after each flush.
DATA_MIGRATIONS = [
    ("reintegration.migrations.0002_load_territories", "load_territories"),
    ("beneficiaries.migrations.0002_reference_data", "load"),
    ("beneficiaries.migrations.0005_track_ceilings_data", "load"),
    ("projects.migrations.0002_trade_catalogue", "load"),
    ("partners.migrations.0002_programmes", "load"),
]


@pytest.fixture
def reference_data(transactional_db):
    """Browser tests run against a live server, so their database is emptied after each test,
    which also removes what the data migrations loaded: run those again (they are idempotent)."""
    from importlib import import_module

    from django.apps import apps

    for module, function in DATA_MIGRATIONS:
        getattr(import_module(module), function)(apps, None)


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
