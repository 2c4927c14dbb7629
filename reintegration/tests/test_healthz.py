"""``/healthz`` as a load balancer sees it: the application served by gunicorn in its own
process, against a database that answers and against databases that do not.

A session cookie matters: the session middleware reads the session from the database before
any view runs, so a probe carrying one (a browser opening /healthz, a balancer replaying
cookies) used to get a 500 error page instead of the 503 that takes the server out of rotation.
"""

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from reintegration.tests.factories import UserFactory

# Any well-formed key: with the database down, nobody can tell whether it exists.
SOME_SESSION = "k3v9x0q8w2e7r1t6y5u4i3o2p1a0s9d8"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, cookie: str | None = None) -> tuple[int, bytes]:
    server = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"} if cookie else {}
        server.request("GET", path, headers=headers)
        response = server.getresponse()
        return response.status, response.read()
    finally:
        server.close()


@contextlib.contextmanager
def serving(database_url: str, log_path):
    """The application under gunicorn, as in production but in debug-free development mode
    (no HTTPS redirect), on a free loopback port; yields the port once it answers."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_ENV")}
    environment.update(DATABASE_URL=database_url, DEBUG="false", LOG_LEVEL="CRITICAL")
    command = [sys.executable, "-m", "gunicorn", "reintegration.wsgi"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1"]
    with log_path.open("w") as log:
        server = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=environment, stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, log_path.read_text()
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, log_path.read_text()
                    time.sleep(0.2)
            yield port
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.mark.parametrize(
    "database",
    [
        # A port where nothing listens.
        pytest.param(lambda tmp: f"postgres://postgres@127.0.0.1:{free_port()}/x", id="postgres"),
        # A file in a folder that does not exist: SQLite cannot open it.
        pytest.param(lambda tmp: f"sqlite:///{tmp / 'missing' / 'db.sqlite3'}", id="sqlite"),
    ],
)
def test_healthz_answers_503_when_the_database_is_down_with_or_without_a_session(
    database, tmp_path
):
    with serving(database(tmp_path), tmp_path / "gunicorn.log") as port:
        for cookie in (None, SOME_SESSION):
            status, body = get(port, "/healthz", cookie)
            assert status == 503, (cookie, body)
            assert json.loads(body) == {"status": "error", "database": "unavailable"}
        # Any other page does need the database: the health check is what differs.
        assert get(port, "/accounts/login/", SOME_SESSION)[0] == 500


def test_healthz_answers_200_to_a_signed_in_session_when_the_database_is_up(
    transactional_db, tmp_path
):
    client = Client()
    client.force_login(UserFactory())
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    test_database = connection.settings_dict
    if test_database["ENGINE"] == "django.db.backends.sqlite3":
        url = f"sqlite:///{test_database['NAME']}"
    else:
        url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**test_database)
    with serving(url, tmp_path / "gunicorn.log") as port:
        for cookie in (None, session):
            status, body = get(port, "/healthz", cookie)
            assert status == 200, (cookie, body)
            assert json.loads(body) == {"status": "ok", "database": "ok"}
