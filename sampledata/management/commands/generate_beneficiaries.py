"""Fill the database with many believable beneficiary files, to measure the application at the
scale of the whole network (see docs/benchmarks.md). Not for production databases."""

from __future__ import annotations

import base64
import contextlib
import datetime
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.utils import timezone

from beneficiaries.models import (
    Beneficiary,
    DetentionRecord,
    Document,
    FileNumberCounter,
    ProgrammeTrack,
)
from beneficiaries.services import _search_text, _set_name_keys
from reintegration.models import Centre, Role, User
from sampledata import people as beneficiaries_demo
from sampledata import staff as reintegration_demo

BATCH_SIZE = 5_000
# Files are spread over the last YEARS_BACK calendar years plus the current one, so that file
# numbers span several years as they do in a real network.
YEARS_BACK = 5
FEMALE_SHARE = 0.12
CIN_SHARE = 0.80
ARCHIVED_SHARE = 0.03
PHONE_SHARE = 0.92

# Status weights: most files are in the early stages, few are closed.
STATUS_WEIGHTS = [
    (Beneficiary.Status.REGISTERED, 18),
    (Beneficiary.Status.DIAGNOSIS, 14),
    (Beneficiary.Status.PROJECT, 16),
    (Beneficiary.Status.FUNDED, 12),
    (Beneficiary.Status.EQUIPPED, 12),
    (Beneficiary.Status.FOLLOW_UP, 18),
    (Beneficiary.Status.CLOSED, 10),
]
STATUSES = [status for status, _weight in STATUS_WEIGHTS]
WEIGHTS = [weight for _status, weight in STATUS_WEIGHTS]
ARCHIVE_REASONS = [
    "انتقل إلى مدينة أخرى",
    "لم يعد يرغب في المواكبة",
    "Dossier en double",
    "Injoignable depuis plus d'un an",
]
# Letters CINs begin with (one or two, after the issuing city).
CIN_PREFIXES = [
    "A", "B", "BE", "BH", "BJ", "BK", "C", "CD", "D", "E", "EE", "F", "FA", "G", "GM",
    "H", "HH", "I", "IA", "J", "JA", "JB", "JC", "JE", "JH", "JK", "JM", "JT", "K", "KB",
    "L", "LA", "LB", "LC", "LE", "M", "MC", "N", "P", "PA", "Q", "R", "S", "SH", "SJ",
    "SL", "T", "TA", "U", "UA", "V", "W", "WA", "X", "Y", "Z", "ZT",
]  # fmt: skip
CIN_DIGITS = 900_000  # 100000..999999
CIN_SPACE = len(CIN_PREFIXES) * CIN_DIGITS
# Multiplier coprime with CIN_SPACE: index -> CIN is then a bijection, so consecutive indexes
# give CINs that look random yet never collide.
CIN_STEP = 7_919_993
# kind -> (names people give their uploads, extension)
DOCUMENT_KINDS = {
    Document.Kind.CIN_COPY: (["CIN recto verso", "scan CIN", "بطاقة التعريف"], ".jpg"),
    Document.Kind.RELEASE: (["attestation de libération", "شهادة الإفراج"], ".pdf"),
    Document.Kind.DIPLOMA: (["diplome", "شهادة التكوين", "attestation formation"], ".pdf"),
    Document.Kind.PHOTO: (["photo", "IMG_2041", "صورة"], ".jpg"),
    Document.Kind.SIGNED: (["engagement signé", "التزام موقع"], ".pdf"),
    Document.Kind.OTHER: (["document", "scan", "وثيقة"], ".png"),
}
CONTENT_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}


@dataclass(frozen=True)
class Context:
    """What every generated file refers to, loaded once."""

    # Primary keys rather than instances: setting foreign keys by id skips the descriptors'
    # checks, which are a noticeable share of the time over a million rows.
    centres: list[Centre]
    authors: dict[int, int]  # centre pk -> pk of the user who opens its files
    tracks: list[int]
    establishments: dict[int | None, list[int]]  # province pk -> prisons there
    all_establishments: list[int]
    now: datetime.datetime


@contextlib.contextmanager
def _keep_given(field: models.DateTimeField) -> Iterator[None]:
    """Let bulk_create keep the creation dates we set: auto_now_add would overwrite them all
    with the current time, and a network's files are opened over years, not in one minute."""
    saved = field.auto_now_add
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = saved


class Command(BaseCommand):
    help = (
        "Generate COUNT believable beneficiary files (with detention records and document "
        "metadata) spread over the active centres, for performance measurements."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, count: int, seed: int, **options) -> None:
        if settings.PRODUCTION:
            # It creates the demo accounts, whose password is public.
            raise CommandError("generate_beneficiaries refuses to run with DJANGO_ENV=production.")
        started = time.perf_counter()
        context = self._context()
        rng = random.Random(seed)  # noqa: S311 (reproducible test data, not security)
        plan = _plan(rng, count, context)
        # CINs come from a counter; starting after the ones already present and skipping any
        # taken keeps them unique when the command runs again on the same database.
        taken = Beneficiary.objects.exclude(cin=None)
        cin_index = taken.count()
        existing_cins = set(taken.values_list("cin", flat=True))
        created_field = Beneficiary._meta.get_field("created_at")
        uploaded_field = Document._meta.get_field("uploaded_at")
        with _keep_given(created_field), _keep_given(uploaded_field):
            for start in range(0, count, BATCH_SIZE):
                batch = plan[start : start + BATCH_SIZE]
                cin_index = _write_batch(rng, batch, context, cin_index, existing_cins)
                self._progress(start + len(batch), count)
        _refresh_statistics()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"{count} files generated in {elapsed:.1f} s ({seed=}).")
        )

    def _progress(self, done: int, count: int) -> None:
        if self.stdout.isatty():  # a log file gets only the final line
            self.stdout.write(f"{done} / {count}", ending="\r")
            self.stdout.flush()

    @staticmethod
    def _context() -> Context:
        # The demo centres and accounts, and the prisons, must exist; the rest of seed_demo
        # (projects, partners, 40 files per centre) is not wanted here.
        with transaction.atomic():
            reintegration_demo.seed()
            establishments = beneficiaries_demo.seed_establishments()
        centres = list(Centre.objects.filter(active=True).select_related("province"))
        if not centres:
            raise CommandError("No active centre.")
        national = User.objects.filter(role=Role.NATIONAL).order_by("pk").first()
        coordinators = User.objects.filter(role=Role.COORDINATOR, centre__in=centres)
        authors = {centre.pk: national.pk for centre in centres}
        authors.update({user.centre_id: user.pk for user in coordinators.order_by("-pk")})
        by_province: dict[int | None, list[int]] = {}
        for establishment in establishments:
            by_province.setdefault(establishment.province_id, []).append(establishment.pk)
        tracks = ProgrammeTrack.objects.filter(active=True).order_by("pk")
        return Context(
            centres=centres,
            authors=authors,
            tracks=list(tracks.values_list("pk", flat=True)),
            establishments=by_province,
            all_establishments=[establishment.pk for establishment in establishments],
            now=timezone.now(),
        )


def _refresh_statistics() -> None:
    """Bring the tables to the state autovacuum reaches a few minutes later: statistics for
    their new size (else PostgreSQL plans for nearly empty tables) and an up-to-date visibility
    map (else counts cannot use index-only scans). A benchmark run right after this command
    then measures a settled database, not a freshly loaded one."""
    if connection.vendor != "postgresql":
        return
    # VACUUM cannot run inside a transaction (as when called from a test); ANALYZE can.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in (Beneficiary, DetentionRecord, Document, FileNumberCounter):
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")


def _plan(rng: random.Random, count: int, context: Context) -> list[tuple]:
    """(opening time, centre) of every file, oldest first: inserting in that order gives file
    numbers and primary keys that grow with time, as the services would have."""
    now = context.now
    first = timezone.make_aware(datetime.datetime(now.year - YEARS_BACK, 1, 1, 8))
    span = (now - first).total_seconds()
    opened = [
        (first + datetime.timedelta(seconds=rng.random() * span), rng.choice(context.centres))
        for _ in range(count)
    ]
    return sorted(opened, key=lambda pair: pair[0])


def _write_batch(
    rng: random.Random,
    batch: list[tuple],
    context: Context,
    cin_index: int,
    existing_cins: set[str],
) -> int:
    """Insert one batch of files, their detention records and documents in one transaction.
    Returns the next CIN index."""
    with transaction.atomic():
        numbers = _take_file_numbers(batch)
        people = []
        for (opened, centre), number in zip(batch, numbers, strict=True):
            cin = None
            if rng.random() < CIN_SHARE:
                cin, cin_index = _next_cin(cin_index, existing_cins)
            people.append(_beneficiary(rng, opened, centre, number, cin, context))
        Beneficiary.objects.bulk_create(people)  # sets their pks (RETURNING on PostgreSQL)
        DetentionRecord.objects.bulk_create(_detention(rng, person, context) for person in people)
        Document.objects.bulk_create(
            document for person in people for document in _documents(rng, person, context)
        )
    return cin_index


def _take_file_numbers(batch: list[tuple]) -> list[str]:
    """File numbers as services.next_file_number gives them (CODE-YEAR-NNNN per centre and
    year), taken from the same counters under the same row locks, so files opened in the
    interface meanwhile or afterwards continue the sequence without collision."""
    keys = [(centre, timezone.localtime(opened).year) for opened, centre in batch]
    counters: dict[tuple[int, int], FileNumberCounter] = {}
    for centre, year in sorted({(c.pk, y): (c, y) for c, y in keys}.values(), key=_key):
        counters[(centre.pk, year)], _created = (
            FileNumberCounter.objects.select_for_update().get_or_create(centre=centre, year=year)
        )
    numbers = []
    for centre, year in keys:
        counter = counters[(centre.pk, year)]
        counter.last += 1
        numbers.append(f"{centre.code}-{year}-{counter.last:04d}")
    FileNumberCounter.objects.bulk_update(counters.values(), ["last"])
    return numbers


def _key(pair: tuple[Centre, int]) -> tuple[int, int]:
    # Locks always taken in the same order, so two writers cannot deadlock.
    return pair[0].pk, pair[1]


def _next_cin(index: int, existing: set[str]) -> tuple[str, int]:
    """The CIN for a counter value, skipping any already in the database."""
    while True:
        n = (index * CIN_STEP) % CIN_SPACE
        index += 1
        cin = f"{CIN_PREFIXES[n // CIN_DIGITS]}{100_000 + n % CIN_DIGITS}"
        if cin not in existing:
            return cin, index


def _beneficiary(
    rng: random.Random,
    opened: datetime.datetime,
    centre: Centre,
    number: str,
    cin: str | None,
    context: Context,
) -> Beneficiary:
    female = rng.random() < FEMALE_SHARE
    first_ar, first_latin = rng.choice(
        beneficiaries_demo.WOMEN if female else beneficiaries_demo.MEN
    )
    last_ar, last_latin = rng.choice(beneficiaries_demo.FAMILY)
    # 19 to 60 years old on the day the file is opened (365.25: leap days count over decades).
    age_days = rng.randint(int(19 * 365.25) + 1, int(61 * 365.25) - 1)
    phone = f"+212{rng.choice('67')}{rng.randint(10_000_000, 99_999_999)}"
    person = Beneficiary(
        file_number=number,
        centre_id=centre.pk,
        first_name_ar=first_ar,
        last_name_ar=last_ar,
        first_name_latin=first_latin,
        last_name_latin=last_latin,
        sex=Beneficiary.Sex.FEMALE if female else Beneficiary.Sex.MALE,
        date_of_birth=opened.date() - datetime.timedelta(days=age_days),
        cin=cin,
        phone=phone if rng.random() < PHONE_SHARE else "",
        residence_province_id=centre.province_id,
        commune=rng.choice(beneficiaries_demo.COMMUNES),
        education=rng.choice(Beneficiary.Education.values),
        family_situation=rng.choice(["single", "single", "married", "divorced", "widowed"]),
        dependants=rng.randint(0, 5),
        track_id=context.tracks[0] if rng.random() < 0.8 else rng.choice(context.tracks),
        status=rng.choices(STATUSES, WEIGHTS)[0],
        created_at=opened,
        created_by_id=context.authors[centre.pk],
    )
    if rng.random() < ARCHIVED_SHARE:
        person.archived_at = min(
            opened + datetime.timedelta(days=rng.randint(30, 900)), context.now
        )
        person.archive_reason = rng.choice(ARCHIVE_REASONS)
    person.search_text = _search_text(person)
    # As the services keep them: duplicate checks at scale read the same indexes.
    _set_name_keys(person)
    return person


def _detention(rng: random.Random, person: Beneficiary, context: Context) -> DetentionRecord:
    nearby = context.establishments.get(person.residence_province_id) or context.all_establishments
    release = person.created_at.date() - datetime.timedelta(days=rng.randint(7, 900))
    months = rng.randint(3, 120)
    return DetentionRecord(
        beneficiary_id=person.pk,
        establishment_id=rng.choice(nearby),
        entry_date=release - datetime.timedelta(days=months * 30),
        release_date=release,
        sentence_months=months,
        training_in_prison=rng.choice(beneficiaries_demo.TRAININGS),
    )


def _documents(rng: random.Random, person: Beneficiary, context: Context) -> list[Document]:
    """Metadata only: no file is written, the names just look like what uploads produce."""
    documents = []
    for kind in rng.sample(list(DOCUMENT_KINDS), rng.randint(1, 3)):
        names, extension = DOCUMENT_KINDS[kind]
        token = base64.urlsafe_b64encode(rng.randbytes(24)).decode()
        documents.append(
            Document(
                beneficiary_id=person.pk,
                kind=kind,
                file=f"documents/{rng.randbytes(2).hex()}/{token}{extension}",
                original_name=f"{rng.choice(names)}{extension}",
                content_type=CONTENT_TYPES[extension],
                size=rng.randint(40_000, 2_500_000),
                uploaded_by_id=person.created_by_id,
                uploaded_at=min(
                    person.created_at + datetime.timedelta(minutes=rng.randint(5, 600)), context.now
                ),
            )
        )
    return documents
