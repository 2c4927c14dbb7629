"""Response times of the main pages as users get them: the application runs under gunicorn
with production settings on the loopback interface, and this script signs in through the login
form and requests each page over HTTP, as a national administrator and as regional staff.

    DATABASE_URL=postgres://… .venv/bin/python benchmarks/pages.py [--runs 100] [--duration 10]
        [--pages dashboard]

For every page and user: ``--warmup`` untimed requests, then ``--runs`` sequential requests
(median and p95 latency; the pages take turns, so a slower minute of the machine weighs on all
of them alike), then ``--threads`` clients requesting the page without pause for
``--duration`` seconds (requests per second). The floor is the smallest signed-in page of the
application (the "password changed" page): what Django, the session, the user, the
middlewares and the layout cost alone. Every page is then read as a multiple of the floor.

Run it against a database filled by ``manage.py generate_scale`` (docs/benchmarks.md), never
against production data: it signs in with the demo accounts and opening a file writes an audit
entry, as it does for real users. Both accounts sign in with a second factor, as production
requires: the script computes the code from the key stored for the account, and gives an
account without one an authenticator key for the run, removed afterwards. It runs
``collectstatic`` first (into the ignored ``staticfiles/``), as a production deployment does.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import itertools
import json
import math
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
USERS = ("national", "regional")
FLOOR = "floor"
# name -> path ("{file}" is replaced by a different visible file for every request)
PAGES = {
    FLOOR: "/accounts/password/done/",
    "dashboard": "/",
    "approval inbox": "/projects/inbox/",
    "beneficiary list": "/beneficiaries/",
    "file page": "/beneficiaries/{file}/",
}
LOGIN = "/accounts/login/"
SECOND_STEP = "/accounts/two-factor/verify/"


@dataclass
class Result:
    page: str
    username: str
    timings_ms: list[float] = field(default_factory=list)
    rps: float = 0.0
    size_kb: float = 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def p95(self) -> float:
        # Nearest rank: an actual measured value, not an interpolation.
        ordered = sorted(self.timings_ms)
        return ordered[math.ceil(0.95 * len(ordered)) - 1]


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reintegration.settings")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()


def prepare(runs: int, seed: int) -> tuple[str, dict[str, list[int]]]:
    """The demo password and, per user, files it may open (read in this process, through the
    same scoping as the pages)."""
    from django.conf import settings

    from beneficiaries.models import Beneficiary
    from reintegration.models import User
    from sampledata import staff as demo

    if settings.PRODUCTION:
        raise SystemExit("Refusing to run with DJANGO_ENV=production.")
    demo.seed()  # the demo accounts, if the database has none yet
    rng = random.Random(seed)  # noqa: S311 (sampling, not security)
    files = {}
    for username in USERS:
        user = User.objects.get(username=username)
        if not user.check_password(demo.DEMO_PASSWORD):
            raise SystemExit(f"{username} does not have the demo password.")
        visible = Beneficiary.objects.visible_to(user).filter(archived_at__isnull=True)
        pks = list(visible.values_list("pk", flat=True))
        if not pks:
            raise SystemExit(f"{username} sees no file: generate the data first.")
        files[username] = rng.sample(pks, min(runs, len(pks)))
    return demo.DEMO_PASSWORD, files


@contextlib.contextmanager
def authenticator_apps(usernames=USERS):
    """Each benchmark account with a confirmed authenticator app for the run: the one it has,
    or one made here and removed at the end."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from reintegration.models import User

    made = []
    for username in usernames:
        user = User.objects.get(username=username)
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            made.append(TOTPDevice.objects.create(user=user, name="benchmark", confirmed=True))
    try:
        yield
    finally:
        for device in made:
            device.delete()


def app_code(username: str) -> str:
    """The code the account's app shows now; the next one if the current one was used."""
    from django_otp.oath import TOTP, totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    drift = device.drift + (1 if now <= device.last_t else 0)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift):0{device.digits}d}"


def describe_data() -> str:
    from django.db import connection

    from beneficiaries.models import Beneficiary
    from ceremonies.models import Ceremony
    from partners.models import Convention
    from projects.models import BudgetLine, FollowUpVisit, LifeProject

    counts = {
        "files": Beneficiary.objects.count(),
        "projects": LifeProject.objects.count(),
        "budget lines": BudgetLine.objects.count(),
        "visits": FollowUpVisit.objects.count(),
        "conventions": Convention.objects.count(),
        "ceremonies": Ceremony.objects.count(),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT 1")
        version = cursor.fetchone()[0]
    data = ", ".join(f"{count:,} {name}" for name, count in counts.items())
    return f"{connection.vendor} ({str(version).split(' on ')[0]}): {data}"


# --- The server ---------------------------------------------------------------------------


def server_environment(port: int) -> dict[str, str]:
    """Production settings, except that plain HTTP on the loopback interface is allowed: no
    redirect to HTTPS and cookies sent without the Secure flag (a TLS proxy would be in front
    in a real deployment)."""
    return {
        **os.environ,
        "DJANGO_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "PORT": str(port),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(workers: int, log: Path):
    port = free_port()
    env = server_environment(port)
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )
    command = [
        python,
        "-m",
        "gunicorn",
        "reintegration.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, server)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped; see its log.")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            # Refused while gunicorn binds, or no answer yet while its workers import Django
            # (seconds on a loaded machine).
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz within a minute.")


# --- The client ---------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to check, not to follow


class Browser:
    """One signed-in user: a cookie jar and an opener that does not follow redirects."""

    def __init__(self, base: str, jar: http.cookiejar.CookieJar | None = None):
        self.base = base
        self.jar = jar if jar is not None else http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, bytes, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310
        request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read(), ""
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers.get("Location", "")

    def form_token(self, path: str) -> str:
        status, html, _location = self.request(path)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if status != 200 or token is None:
            raise SystemExit(f"{path} answered {status} without a form.")
        return token.group(1).decode()

    def sign_in(self, username: str, password: str, code) -> None:
        """The password, then the code from the app that ``code()`` computes."""
        form = {"username": username, "password": password}
        form["csrfmiddlewaretoken"] = self.form_token(LOGIN)
        status, _html, location = self.request(LOGIN, form)
        if status != 302 or location.startswith(LOGIN):
            raise SystemExit(f"Signing in as {username} failed ({status}).")
        if location.startswith(SECOND_STEP):
            form = {"code": code(), "csrfmiddlewaretoken": self.form_token(location)}
            status, _html, location = self.request(SECOND_STEP, form)
            if status != 302 or location.startswith(SECOND_STEP):
                raise SystemExit(f"The second step of {username} failed ({status}).")

    def get(self, path: str) -> tuple[float, int]:
        """Milliseconds to get the page, and its size; anything but the page itself (an
        error, a redirect to the login page) stops the benchmark."""
        started = time.perf_counter()
        status, html, location = self.request(path)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise SystemExit(f"{path} answered {status} {location}")
        if b'name="password"' in html and path != LOGIN:
            raise SystemExit(f"{path} showed the login form.")
        return elapsed, len(html)


def paths(page: str, files: list[int], count: int) -> list[str]:
    template = PAGES[page]
    return [template.format(file=files[i % len(files)]) for i in range(count)]


def measure_user(base: str, username: str, password: str, files: list[int], args) -> list[Result]:
    browser = Browser(base)
    browser.sign_in(username, password, lambda: app_code(username))
    results = {page: Result(page, username) for page in args.pages}
    for page in args.pages:
        for path in paths(page, files[::-1], args.warmup):
            browser.get(path)
    # Sequential: the pages take turns, so any change in the machine's load hits all alike.
    sequences = {page: paths(page, files, args.runs) for page in args.pages}
    for index in range(args.runs):
        for page, result in results.items():
            elapsed, size = browser.get(sequences[page][index])
            result.timings_ms.append(elapsed)
            result.size_kb = size / 1024
    for page, result in results.items():
        result.rps = throughput(browser, page, files, args.threads, args.duration)
    return list(results.values())


def throughput(browser: Browser, page: str, files: list[int], threads: int, seconds: float):
    """Requests per second with ``threads`` clients of the same session requesting the page
    without pause."""
    done = [0] * threads
    stop = threading.Event()
    failures = []

    def client(index: int) -> None:
        own = Browser(browser.base, browser.jar)
        mine = files[index::threads] or files
        for n, file in enumerate(itertools.cycle(mine)):
            path = PAGES[page].format(file=file)
            if stop.is_set():
                return
            try:
                own.get(path)
            except SystemExit as error:  # report it from the main thread
                failures.append(str(error))
                return
            done[index] = n + 1

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    time.sleep(seconds)
    stop.set()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(failures[0])
    return sum(done) / elapsed


def table(results: list[Result]) -> str:
    floors = {r.username: r for r in results if r.page == FLOOR}
    lines = [
        "| Page | User | Median (ms) | p95 (ms) | Requests/s | × floor (median) | × floor (p95) "
        "| HTML (kB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        floor = floors[r.username]
        lines.append(
            f"| {r.page} | {r.username} | {r.median:.1f} | {r.p95:.1f} | {r.rps:.1f} "
            f"| {r.median / floor.median:.1f} | {r.p95 / floor.p95:.1f} | {r.size_kb:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100, help="sequential requests per page")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests before")
    parser.add_argument("--threads", type=int, default=4, help="clients in the throughput run")
    parser.add_argument("--duration", type=float, default=10, help="seconds of throughput run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=1, help="picks the files opened")
    parser.add_argument(
        "--pages",
        nargs="+",
        choices=[page for page in PAGES if page != FLOOR],
        default=[page for page in PAGES if page != FLOOR],
        help="the pages to measure (the floor always is)",
    )
    args = parser.parse_args()
    args.pages = [FLOOR, *(page for page in PAGES if page in args.pages and page != FLOOR)]
    sys.stdout.reconfigure(line_buffering=True)
    setup_django()
    password, files = prepare(args.runs + args.warmup, args.seed)
    print(describe_data())
    print(
        f"gunicorn, {args.workers} workers; {os.cpu_count()} CPU cores; {args.runs} sequential "
        f"requests per page after {args.warmup} warm-up ones; {args.threads} clients for "
        f"{args.duration:g} s for the throughput"
    )
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results = []
    with authenticator_apps(), gunicorn(args.workers, RESULTS / f"pages-{stamp}.log") as base:
        for username in USERS:
            results += measure_user(base, username, password, files[username], args)
    print(table(results))
    report = RESULTS / f"pages-{stamp}.json"
    report.write_text(json.dumps([asdict(r) for r in results], indent=1))
    print(f"Timings saved to {report.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
