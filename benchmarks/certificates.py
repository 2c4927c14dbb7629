"""Time and memory of handover certificates, measured in one process after a warm-up: the
rendering of one certificate against the floor (a bare bilingual A4 page in the same font),
issuing one certificate, the PDF of a 30-beneficiary ceremony, a reprint, and the peak memory
of a 100-beneficiary ceremony.

    .venv/bin/python benchmarks/certificates.py [--runs 20] [--floor-only]

``--floor-only`` measures only the certificate against the floor (one person, a few seconds of
set-up instead of minutes).

It needs a migrated database (SQLite by default, or DATABASE_URL). Everything it creates (a
centre, users, a convention, 130 people with approved projects, ceremonies, certificates)
happens in one transaction that is rolled back at the end, so nothing stays behind.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERIAL = itertools.count(100000)
# The three lines of every project, and the eight of the one whose certificate is measured
# against the floor (a realistic certificate: one A4 page).
LINES = (
    ("ماكينة خياطة صناعية", "6800.00"),
    ("ماكينة سورجي", "5400.00"),
    ("أقمشة وخيوط", "2000.50"),
)
EIGHT_LINES = (
    *LINES,
    ("مكواة بخارية صناعية", "1850.00"),
    ("طاولة تفصيل خشبية", "1200.00"),
    ("مقص كهربائي للأقمشة", "950.00"),
    ("ماكينة تطريز منزلية", "4300.00"),
    ("كرسي عمل قابل للتعديل", "480.00"),
)
# The floor: the certificate's page (its stylesheet: A4, margins, the Amiri font) with its
# title in Arabic and in French, and nothing else. It costs what every PDF costs (parsing,
# the font, writing the file) and almost no layout.
FLOOR_HTML = """<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<link rel="stylesheet" href="static:pdf/certificate.css"></head>
<body><h1>محضر تسليم المعدات</h1><h1 class="fr" lang="fr">Procès-verbal de remise d'équipement</h1>
</body></html>"""


class Rollback(Exception):
    pass


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reintegration.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def build(count: int, users, centre, convention, lines=LINES):
    """``count`` people with approved projects (by default three budget lines, about 15,000 DH
    each)."""
    import datetime
    from decimal import Decimal

    from beneficiaries import services as files
    from beneficiaries.models import ProgrammeTrack
    from projects import services
    from projects.models import Trade

    sewing = Trade.objects.get(code="sewing")
    track = ProgrammeTrack.objects.get(code="standard")
    coordinator = users["coordinator"]
    projects = []
    for index in range(count):
        person = files.beneficiary_create(
            by=coordinator,
            centre=centre,
            data={
                "first_name_ar": "فاطمة",
                "last_name_ar": f"الزهراء {index}",
                "first_name_latin": "Fatima",
                "last_name_latin": f"Zahra {index}",
                "sex": "F" if index % 3 else "M",
                "date_of_birth": datetime.date(1990, 5, 17),
                "residence_province": centre.province,
                "commune": "بني مكادة",
                "track": track,
                "cin": f"BK{next(SERIAL)}",
            },
        )
        project = services.project_create(
            beneficiary=person,
            by=coordinator,
            data={
                "title": "ورشة خياطة",
                "trade": sewing,
                "skills": "خياطة",
                "needs": "آلات",
                "market_fit": "طلب محلي",
            },
        )
        for line, (designation, price) in enumerate(lines):
            if line == 2:
                price = f"{2000 + index}.50"
            services.budget_line_save(
                project=project,
                by=coordinator,
                version=project.version,
                data={
                    "designation": designation,
                    "category": "equipment",
                    "quantity": Decimal("1"),
                    "unit_price": Decimal(price),
                },
            )
        services.project_submit(project=project, by=coordinator)
        project.refresh_from_db()
        services.project_approve(
            project=project,
            by=users["regional"],
            allocations=[(convention, project.requested_total)],
        )
        projects.append(project)
    return projects


def hold(projects, users, centre, convention):
    from django.utils import timezone

    from ceremonies import services as ceremonies
    from ceremonies.models import Ceremony

    ceremony = ceremonies.ceremony_save(
        by=users["coordinator"],
        data={
            "centre": centre,
            "held_on": timezone.localdate(),
            "place": "مقر عمالة طنجة أصيلة",
            "presided_by": "عبد السلام بنعلي",
            "authority": Ceremony.Authority.WALI,
            "conventions": [convention],
        },
    )
    ceremonies.ceremony_add_projects(
        ceremony=ceremony, by=users["coordinator"], project_ids=[p.pk for p in projects]
    )
    for number, handover in enumerate(ceremony.handovers.all()):
        items = [
            {
                "designation": item.designation,
                "brand": "Juki",
                "serials": [
                    f"SN-{ceremony.pk}-{number}-{n}-{unit}" for unit in range(int(item.quantity))
                ]
                if item.quantity == int(item.quantity)
                else [],
                "quantity": item.quantity,
                "unit_value": item.unit_value,
            }
            for n, item in enumerate(handover.items.all())
        ]
        ceremonies.handover_save(
            handover=handover, by=users["coordinator"], items=items, version=handover.version
        )
    return ceremonies.ceremony_hold(ceremony=ceremony, by=users["regional"])


def render_floor() -> bytes:
    from weasyprint import HTML

    from reintegration.pdf import StaticOnlyFetcher, font_config

    fetcher = StaticOnlyFetcher(allowed_protocols={"file", "data"})
    return HTML(string=FLOOR_HTML, url_fetcher=fetcher).write_pdf(font_config=font_config())


def issued_snapshot(ceremony, users) -> dict:
    """What the certificate of the ceremony's one handover shows, once issued."""
    from ceremonies import certificates

    certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])
    return ceremony.handovers.get().certificates.get().snapshot


def against_floor(snapshot: dict, runs: int) -> list[str]:
    """The rendering of one certificate (text shaped and placed, QR code, PDF) and the floor,
    alternated run by run so that the load of a shared machine weighs on both alike; medians
    of wall-clock and of the process's CPU time (the steadier of the two)."""
    from ceremonies import certificates

    subjects = {
        "floor": render_floor,
        "certificate": lambda: certificates.render_certificate(snapshot),
    }
    wall: dict[str, list[float]] = {name: [] for name in subjects}
    cpu: dict[str, list[float]] = {name: [] for name in subjects}
    for run in range(runs + 2):  # two warm-up rounds, not counted
        for name, render in subjects.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            render()
            if run >= 2:
                wall[name].append((time.perf_counter() - started) * 1000)
                cpu[name].append((time.process_time() - started_cpu) * 1000)
    wall_median = {name: statistics.median(times) for name, times in wall.items()}
    cpu_median = {name: statistics.median(times) for name, times in cpu.items()}
    lines = [
        f"{name}: median {wall_median[name]:.1f} ms wall, {cpu_median[name]:.1f} ms CPU "
        f"({runs} runs)"
        for name in subjects
    ]
    lines.append(
        f"certificate / floor: {wall_median['certificate'] / wall_median['floor']:.1f}x wall, "
        f"{cpu_median['certificate'] / cpu_median['floor']:.1f}x CPU"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--floor-only", action="store_true", help="only the certificate against the floor"
    )
    args = parser.parse_args()
    setup_django()

    import datetime
    from decimal import Decimal

    from django.db import transaction
    from django.test import Client
    from django.urls import reverse

    from ceremonies import certificates
    from ceremonies.services import totals
    from partners.models import Convention
    from reintegration.models import Centre, Province, Role, User

    lines = []
    try:
        with transaction.atomic():
            province = Province.objects.get(code="01.511")
            centre = Centre.objects.create(
                code="BCH", name_ar="مركز القياس", name_fr="CAR de mesure", province=province
            )
            users = {
                "coordinator": User.objects.create_user(
                    "bench.coordinator", role=Role.COORDINATOR, centre=centre
                ),
                "regional": User.objects.create_user(
                    "bench.regional", role=Role.REGIONAL, region=province.region
                ),
                "official": User.objects.create_user(
                    "bench.official", role=Role.OFFICIAL, province=province
                ),
            }
            convention = Convention.objects.create(
                reference="BENCH-CPDH",
                title="Convention de mesure",
                starts_on=datetime.date(2024, 1, 1),
                ends_on=datetime.date(2030, 12, 31),
                envelope=Decimal("100000000.00"),
                status=Convention.Status.ACTIVE,
            )
            convention.provinces.add(province)
            started = time.perf_counter()
            eight = hold(
                build(1, users, centre, convention, lines=EIGHT_LINES), users, centre, convention
            )
            if args.floor_only:
                lines.extend(against_floor(issued_snapshot(eight, users), args.runs))
                raise Rollback
            hundred = hold(build(100, users, centre, convention), users, centre, convention)
            thirty = hold(build(30, users, centre, convention), users, centre, convention)
            singles = [
                hold(build(1, users, centre, convention), users, centre, convention)
                for _run in range(args.runs + 1)
            ]
            lines.append(
                f"set-up (132+runs approved projects, ceremonies held): "
                f"{time.perf_counter() - started:.1f} s"
            )

            # Memory first, while the process has rendered nothing: issue the 100 certificates
            # of one ceremony and build its batch PDF.
            before = peak_mb()
            certificates.certificates_issue(ceremony=hundred, by=users["coordinator"])
            batch = certificates.ceremony_batch(hundred, totals(hundred))
            lines.append(
                f"100-beneficiary ceremony: issue + batch ({len(batch) / 1e6:.1f} MB PDF), "
                f"peak RSS of the process {peak_mb():.0f} MB (was {before:.0f} MB before)"
            )

            # The rendering of one certificate of eight equipment lines against the floor.
            lines.extend(against_floor(issued_snapshot(eight, users), args.runs))

            # One certificate issued (one ceremony of one person each time; the first warms
            # up, although the 100 above already did).
            issue_ms = []
            for ceremony in singles:
                started = time.perf_counter()
                certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])
                issue_ms.append((time.perf_counter() - started) * 1000)
            issue_ms = issue_ms[1:]
            lines.append(
                f"issue one certificate: median {statistics.median(issue_ms):.0f} ms, "
                f"p95 {p95(issue_ms):.0f} ms ({len(issue_ms)} runs)"
            )

            started = time.perf_counter()
            certificates.certificates_issue(ceremony=thirty, by=users["coordinator"])
            issued_30 = (time.perf_counter() - started) * 1000
            batch_ms = []
            for _run in range(args.runs):
                started = time.perf_counter()
                certificates.ceremony_batch(thirty, totals(thirty))
                batch_ms.append((time.perf_counter() - started) * 1000)
            lines.append(
                f"30-beneficiary ceremony: issuing its 30 certificates {issued_30:.0f} ms; "
                f"batch PDF median {statistics.median(batch_ms):.0f} ms, "
                f"p95 {p95(batch_ms):.0f} ms"
            )

            client = Client()
            client.force_login(users["official"])
            certificate = thirty.handovers.first().certificates.get()
            url = reverse("certificate_pdf", args=[thirty.pk, certificate.pk])
            client.get(url)
            reprint_ms = []
            for _run in range(args.runs * 5):
                started = time.perf_counter()
                response = client.get(url)
                reprint_ms.append((time.perf_counter() - started) * 1000)
                if response.content != bytes(certificate.pdf):
                    raise SystemExit("a reprint differed from the stored certificate")
            lines.append(
                f"reprint (whole request, official): median {statistics.median(reprint_ms):.1f} "
                f"ms, p95 {p95(reprint_ms):.1f} ms"
            )
            raise Rollback
    except Rollback:
        pass
    print("\n".join(lines))


if __name__ == "__main__":
    main()
