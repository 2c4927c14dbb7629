"""The verification page's rate limit holds for all servers together: two application servers
(gunicorn, one process each) share the test database and the cache, and the requests of one
client to either count against one limit, whether the database counts (the default cache) or
Redis does (CACHE_URL=redis://…)."""

from __future__ import annotations

import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import translation

from reintegration.models import RateCounter

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 3
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
TOO_MANY = "Too many checks from your connection. Wait a minute, then try again."


def database_url() -> str:
    """The test database, for the servers."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return (
        f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_running() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@dataclass
class Servers:
    ports: list[int]
    cache: str

    def get(self, server: int, path: str, client: str) -> tuple[int, str, str]:
        """GET ``path`` from server ``server`` as the client at address ``client`` (any
        127.x.y.z address reaches the loopback), in French."""
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.ports[server], timeout=20, source_address=(client, 0)
        )
        try:
            conn.request("GET", path, headers={"Cookie": f"{settings.LANGUAGE_COOKIE_NAME}=fr"})
            response = conn.getresponse()
            body = response.read().decode()
            return response.status, response.getheader("Content-Language") or "", body
        finally:
            conn.close()


@pytest.fixture(scope="module", params=["database", "redis"])
def servers(request, django_db_setup) -> Iterator[Servers]:
    if request.param == "redis" and not redis_running():
        pytest.skip(f"no Redis server at {REDIS_URL} (.ci/run starts one)")
    environment = {k: v for k, v in os.environ.items() if k != "CACHE_URL"}
    environment.update(
        DATABASE_URL=database_url(),
        VERIFY_RATE_LIMIT=str(LIMIT),
        DEBUG="false",
        LOG_LEVEL="WARNING",
        **({"CACHE_URL": REDIS_URL} if request.param == "redis" else {}),
    )
    ports = [free_port(), free_port()]
    with tempfile.TemporaryDirectory() as logs:
        processes = []
        for port in ports:
            log = open(Path(logs, f"{port}.log"), "wb")  # noqa: SIM115 (closed below)
            command = [sys.executable, "-m", "gunicorn", "reintegration.wsgi"]
            command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "16"]
            processes.append(
                (
                    subprocess.Popen(
                        command,
                        cwd=settings.BASE_DIR,
                        env=environment,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    ),
                    log,
                )
            )
        try:
            started = Servers(ports, request.param)
            for server, (process, log) in enumerate(processes):
                _wait_until_ready(started, server, process, Path(log.name))
            yield started
        finally:
            for process, log in processes:
                process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                log.close()


def _wait_until_ready(servers: Servers, server: int, process, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server stopped:\n{log.read_text()}")
        try:
            if servers.get(server, "/healthz", "127.0.0.1")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer within a minute:\n{log.read_text()}")


def a_client() -> str:
    """A loopback address of its own: a bucket no other test or run has counted."""
    numbers = [random.randint(1, 254), random.randint(0, 255), random.randint(1, 254)]  # noqa: S311
    return "127.{}.{}.{}".format(*numbers)


def in_one_window(run: Callable[[str], Any]) -> tuple[str, Any]:
    """``run(client)`` for a new client address, within one minute window of the limit: run
    again, for another client, if a window ended meanwhile (it resets the count)."""
    for _attempt in range(3):
        client = a_client()
        window = time.time() // 60
        outcome = run(client)
        if time.time() // 60 == window:
            return client, outcome
    raise AssertionError("three windows ended during three short runs")


def counted_where(servers: Servers, client: str) -> None:
    """The database counted unless Redis is the cache."""
    counters = list(RateCounter.objects.filter(scope="verify", bucket=client))
    if servers.cache == "database":
        assert [c.hits for c in counters] == [LIMIT]
    else:
        assert counters == []


def test_the_limit_counts_the_requests_to_both_servers_together(servers):
    path = reverse("certificate_verify", args=["ZZZZZZZZZZ"])

    def alternate(client: str):
        return [servers.get(n % 2, path, client) for n in range(LIMIT + 2)]

    client, pages = in_one_window(alternate)
    assert [status for status, _language, _body in pages] == [404] * LIMIT + [429, 429]
    _status, language, body = pages[LIMIT]
    with translation.override("fr"):
        message = translation.gettext(TOO_MANY)
    assert message != TOO_MANY
    assert language == "fr"
    assert message in body
    counted_where(servers, client)
    # Another client is not held back.
    assert servers.get(1, path, a_client())[0] == 404


def test_simultaneous_requests_to_both_servers_count_each_one(servers):
    path = reverse("certificate_verify", args=["ZZZZZZZZZZ"])
    requests = 32

    def at_once(client: str):
        barrier = threading.Barrier(requests)
        statuses: list[int | str] = []

        def send(server: int) -> None:
            try:
                barrier.wait(timeout=20)
                statuses.append(servers.get(server, path, client)[0])
            except Exception as error:  # an outcome too: the assertion below shows it
                statuses.append(repr(error))

        threads = [threading.Thread(target=send, args=(n % 2,)) for n in range(requests)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return statuses

    client, statuses = in_one_window(at_once)
    assert sorted(statuses, key=str) == [404] * LIMIT + [429] * (requests - LIMIT)
    counted_where(servers, client)
