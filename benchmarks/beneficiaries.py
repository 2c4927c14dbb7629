"""Server-side response times of the beneficiary pages, measured in-process with Django's test
client (no network, no browser), for a national administrator, regional staff and a centre
coordinator, each page also as a multiple of the floor (the smallest signed-in page).

    DATABASE_URL=postgres://… .venv/bin/python benchmarks/beneficiaries.py [--runs 50]

Run it against a database filled by ``manage.py generate_beneficiaries`` (docs/benchmarks.md),
never against production data: opening a file writes an audit entry, as it does for real users.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USERS = ("national", "regional", "coordinator")
FLOOR = "floor"
ARABIC_QUERY = "فاطمه"  # folded form of فاطمة, a common first name
LATIN_QUERY = "benali"


@dataclass
class Result:
    page: str
    username: str
    timings_ms: list[float]
    queries: list[int]

    @property
    def median(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def p95(self) -> float:
        # Nearest-rank percentile: an actual measured value, not an interpolation.
        ordered = sorted(self.timings_ms)
        return ordered[math.ceil(0.95 * len(ordered)) - 1]

    @property
    def query_count(self) -> str:
        low, high = min(self.queries), max(self.queries)
        return str(low) if low == high else f"{low}–{high}"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reintegration.settings")
    # The test client's requests come from "testserver"; DEBUG off so that Django neither keeps
    # every query in memory nor renders debug pages, as in production.
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()


def cycle(path: str, typed: list[str], count: int) -> list[tuple[str, dict]]:
    """``count`` searches at ``path``, each for the next of ``typed``."""
    return [(path, {"q": typed[i % len(typed)]}) for i in range(count)]


def pages_for(user, rng: random.Random, count: int) -> dict[str, list[tuple[str, dict]]]:
    """Each page name -> ``count`` requests (path, query). Every file page request opens a
    different file, so none is timed right after a request for the same file."""
    from beneficiaries.models import Beneficiary
    from reintegration.pagination import PAGE_SIZE

    visible = Beneficiary.objects.visible_to(user)
    active = visible.filter(archived_at__isnull=True).count()
    last_page = max(1, math.ceil(active / PAGE_SIZE))
    deep = max(1, last_page - 1)
    pks = list(visible.values_list("pk", flat=True))
    chosen = rng.sample(pks, min(count, len(pks)))
    files = [(f"/beneficiaries/{pk}/", {}) for pk in chosen]
    # Each search looks for another file's CIN, number or phone, as typed by people.
    keys = Beneficiary.objects.filter(pk__in=chosen).values_list("cin", "file_number", "phone")
    cins = [cin for cin, _number, _phone in keys if cin] or [""]
    numbers = [number for _cin, number, _phone in keys]
    phones = [f"0{phone[4:]}" for _cin, _number, phone in keys if phone] or [""]
    return {
        FLOOR: [("/accounts/password/done/", {})] * count,
        "list, first page": [("/beneficiaries/", {})] * count,
        f"search “{ARABIC_QUERY}”": [("/beneficiaries/", {"q": ARABIC_QUERY})] * count,
        f"search “{LATIN_QUERY}”": [("/beneficiaries/", {"q": LATIN_QUERY})] * count,
        "search a CIN": cycle("/beneficiaries/", cins, count),
        "search a phone": cycle("/beneficiaries/", phones, count),
        "top bar, a file number": cycle("/beneficiaries/search/", numbers, count),
        f"list, page {deep} of {last_page}": [("/beneficiaries/", {"page": deep})] * count,
        "file page": files,
    }


def time_request(client, path: str, query: dict) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(path, query)
        elapsed = (time.perf_counter() - started) * 1000
    # The top bar's search answers a file number typed whole with a redirect to the file.
    expected = 302 if path == "/beneficiaries/search/" else 200
    if response.status_code != expected or response.get("Location", "").startswith("/accounts/"):
        raise SystemExit(f"{path} {query} answered {response.status_code}")
    return elapsed, len(captured)


def measure(username: str, runs: int, warmup: int, rng: random.Random) -> list[Result]:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from reintegration.models import User

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    # Signed in with the second factor, as production requires (see main()).
    session = client.session
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    results = []
    for page, requests in pages_for(user, rng, warmup + runs).items():
        for path, query in requests[:warmup]:
            time_request(client, path, query)  # caches, connection, template loading
        measured = [time_request(client, path, query) for path, query in requests[warmup:]]
        results.append(
            Result(
                page=page,
                username=username,
                timings_ms=[elapsed for elapsed, _count in measured],
                queries=[count for _elapsed, count in measured],
            )
        )
    return results


def table(results: list[Result]) -> str:
    floors = {r.username: r for r in results if r.page == FLOOR}
    lines = [
        "| Page | User | Median (ms) | p95 (ms) | × floor (median) | SQL queries |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.page} | {r.username} | {r.median:.1f} | {r.p95:.1f} "
        f"| {r.median / floors[r.username].median:.1f} | {r.query_count} |"
        for r in results
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="timed requests per page and user")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests before each")
    parser.add_argument("--seed", type=int, default=1, help="picks the files opened")
    args = parser.parse_args()
    setup_django()

    from django.conf import settings
    from django.db import connection

    from beneficiaries.models import Beneficiary

    if settings.PRODUCTION:
        raise SystemExit("Refusing to run with DJANGO_ENV=production.")
    rng = random.Random(args.seed)  # noqa: S311 (sampling, not security)
    print(
        f"{connection.vendor}, {Beneficiary.objects.count()} files, "
        f"{args.runs} runs per page after {args.warmup} warm-up requests"
    )
    from benchmarks.pages import authenticator_apps

    results = []
    with authenticator_apps(USERS):
        for username in USERS:
            results += measure(username, args.runs, args.warmup, rng)
    print(table(results))


if __name__ == "__main__":
    main()
