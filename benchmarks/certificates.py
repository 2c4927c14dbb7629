"""Time and memory of handover certificates, measured in one process after a warm-up:
issuing one certificate, the PDF of a 30-beneficiary ceremony, a reprint, and the peak memory
of a 100-beneficiary ceremony.

    .venv/bin/python benchmarks/certificates.py [--runs 20]

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


def build(count: int, users, centre, convention):
    """``count`` people with approved projects (three budget lines, about 15,000 DH each)."""
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
        for designation, price in (
            ("ماكينة خياطة صناعية", "6800.00"),
            ("ماكينة سورجي", "5400.00"),
            ("أقمشة وخيوط", f"{2000 + index}.50"),
        ):
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
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
            hundred = hold(build(100, users, centre, convention), users, centre, convention)
            thirty = hold(build(30, users, centre, convention), users, centre, convention)
            singles = [
                hold(build(1, users, centre, convention), users, centre, convention)
                for _run in range(args.runs + 1)
            ]
            lines.append(
                f"set-up (131+runs approved projects, ceremonies held): "
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
