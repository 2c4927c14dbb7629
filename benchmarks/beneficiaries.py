"""Server-side response times of the beneficiary pages, measured in-process with Django's test
client (no network, no browser), for a national administrator and a centre coordinator.

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
USERS = ("national", "coordinator")
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
    files = [(f"/beneficiaries/{pk}/", {}) for pk in rng.sample(pks, min(count, len(pks)))]
    return {
        "list, first page": [("/beneficiaries/", {})] * count,
        f"search “{ARABIC_QUERY}”": [("/beneficiaries/", {"q": ARABIC_QUERY})] * count,
        f"search “{LATIN_QUERY}”": [("/beneficiaries/", {"q": LATIN_QUERY})] * count,
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
    if response.status_code != 200:
        raise SystemExit(f"{path} {query} answered {response.status_code}")
    return elapsed, len(captured)


def measure(username: str, runs: int, warmup: int, rng: random.Random) -> list[Result]:
    from django.test import Client

    from reintegration.models import User

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
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
    lines = [
        "| Page | User | Median (ms) | p95 (ms) | SQL queries |",
        "|---|---|---:|---:|---:|",
    ]
    lines += [
        f"| {r.page} | {r.username} | {r.median:.1f} | {r.p95:.1f} | {r.query_count} |"
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
    results = []
    for username in USERS:
        results += measure(username, args.runs, args.warmup, rng)
    print(table(results))


if __name__ == "__main__":
    main()
