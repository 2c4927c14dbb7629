"""Backups are restored in a test (invariant 10): `manage.py backup` archives a populated
database and its files, `manage.py restore` puts them into a new empty database and media
folder from another process, and what comes back is read there directly and compared with what
went in. Runs on the configured engine: SQLite, or PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import override_settings

from beneficiaries import services as beneficiary_services
from beneficiaries.tests.factories import PDF_BYTES, BeneficiaryFactory
from projects.tests.factories import approved, make_project
from reintegration import backups
from reintegration.money import from_centimes
from reintegration.tests.worlds import make_centre, make_convention, make_users

DATABASE = backups.DATABASE_MEMBERS[connection.vendor]
OTHER_ENGINE = "postgresql" if connection.vendor == "sqlite" else "sqlite"


# --- Reading a database directly ---------------------------------------------------------


class Target:
    """An empty database of the configured engine, outside Django's connections: where a
    restore in another process goes, read back with the engine's own driver."""

    def __init__(self, url: str, connect: Callable[[], object], exists: Callable[[], bool]):
        self.url = url
        self._connect = connect
        self._exists = exists

    def query(self, sql: str) -> list[tuple]:
        raw = self._connect()
        try:
            cursor = raw.cursor()
            cursor.execute(sql)
            return cursor.fetchall()
        finally:
            raw.close()

    def tables(self) -> list[str]:
        if not self._exists():
            return []
        if connection.vendor == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        else:
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        return sorted(name for (name,) in self.query(sql))


@pytest.fixture
def empty_database(tmp_path) -> Iterator[Target]:
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield Target(f"sqlite:///{path}", lambda: sqlite3.connect(path), path.exists)
        return

    import psycopg2

    configured = connection.settings_dict
    # Beside the test database, named after it, so that parallel runs never share one.
    name = f"{configured['NAME']}_restored"
    server = {
        "host": configured["HOST"] or None,
        "port": configured["PORT"] or None,
        "user": configured["USER"] or None,
        "password": configured["PASSWORD"] or None,
    }

    def administer(sql: str) -> None:
        admin = psycopg2.connect(dbname="postgres", **server)
        admin.autocommit = True
        try:
            admin.cursor().execute(sql)
        finally:
            admin.close()

    administer(f'DROP DATABASE IF EXISTS "{name}"')
    administer(f'CREATE DATABASE "{name}"')
    credentials = quote(server["user"] or "", safe="")
    if server["password"]:
        credentials += ":" + quote(server["password"], safe="")
    address = f"{server['host'] or ''}:{server['port'] or 5432}"
    try:
        yield Target(
            f"postgres://{credentials}@{address}/{name}",
            lambda: psycopg2.connect(dbname=name, **server),
            lambda: True,
        )
    finally:
        administer(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restore_elsewhere(archive: Path, target: Target, media: Path):
    """`manage.py restore` in another process, configured for ``target`` and ``media`` only
    through the environment, as an operator runs it."""
    environment = {**os.environ, "DATABASE_URL": target.url, "MEDIA_ROOT": str(media)}
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(archive)],
        cwd=Path(__file__).resolve().parents[2],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def model_tables() -> list[str]:
    """Every table of every installed model (many-to-many ones included), and the migrations."""
    models = apps.get_models(include_auto_created=True)
    tables = {m._meta.db_table for m in models if m._meta.managed and not m._meta.proxy}
    return sorted(tables | {"django_migrations"})


def row_counts(query: Callable[[str], list[tuple]]) -> dict[str, int]:
    quote_name = connection.ops.quote_name
    return {
        table: query(f"SELECT COUNT(*) FROM {quote_name(table)}")[0][0]  # noqa: S608
        for table in model_tables()
    }


LEDGER = (
    "SELECT convention_id, kind, SUM(amount) FROM partners_ledgermovement "
    "GROUP BY convention_id, kind ORDER BY convention_id, kind"
)
CONVENTIONS = "SELECT id, envelope, committed, disbursed FROM partners_convention ORDER BY id"


def ledger(query: Callable[[str], list[tuple]]) -> dict[tuple[int, str], Decimal]:
    return {(convention, kind): from_centimes(total) for convention, kind, total in query(LEDGER)}


def here(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


# --- The round trip ----------------------------------------------------------------------


def test_an_archive_restores_elsewhere_as_it_was(reference_data, empty_database, tmp_path):
    # Committed data (transactional_db through reference_data): pg_dump reads through its own
    # connection, and so does SQLite's backup.
    centre = make_centre()
    users = make_users(centre)
    convention = make_convention(centre)
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    BeneficiaryFactory(centre=centre, by=users["coordinator"], first_name_latin="Karim", sex="M")
    document = beneficiary_services.document_attach(
        beneficiary=person,
        by=users["coordinator"],
        upload=SimpleUploadedFile("cin.pdf", PDF_BYTES, content_type="application/pdf"),
        kind="cin",
    )
    approved(make_project(person, users["coordinator"]), users)

    output = io.StringIO()
    call_command("backup", to=tmp_path / "archives", stdout=output)
    [archive] = backups.archives_in(tmp_path / "archives")
    assert f"Backup written to {archive} (" in output.getvalue()

    # A damaged copy is refused before anything is written: the new database stays empty.
    media = tmp_path / "restored-media"
    damaged = copy_of(archive, tmp_path / "damaged")
    flip_byte(damaged, damaged.stat().st_size // 2)
    refused = restore_elsewhere(damaged, empty_database, media)
    assert refused.returncode != 0
    assert "does not match its checksum" in refused.stderr
    assert empty_database.tables() == []
    assert not media.exists()

    restored = restore_elsewhere(archive, empty_database, media)
    assert restored.returncode == 0, restored.stderr
    assert "the database and 1 media file(s)" in restored.stdout

    counts = row_counts(empty_database.query)
    assert counts == row_counts(here)
    assert counts["beneficiaries_beneficiary"] == 2
    assert counts["beneficiaries_document"] == 1
    assert counts["partners_allocation"] == 1
    assert counts["reintegration_province"] == 83
    assert ledger(empty_database.query) == ledger(here)
    assert ledger(here) == {(convention.pk, "commit"): Decimal("13600.00")}
    assert empty_database.query(CONVENTIONS) == here(CONVENTIONS)
    assert (media / document.file.name).read_bytes() == PDF_BYTES


# --- One archive for the refusals --------------------------------------------------------


@pytest.fixture(scope="module")
def made(django_db_setup, django_db_blocker, tmp_path_factory) -> Path:
    """An archive of the test database as migrated, with one media file; copy it before
    changing it (``copy_of``)."""
    media = tmp_path_factory.mktemp("made-media")
    (media / "documents").mkdir()
    (media / "documents" / "scan.pdf").write_bytes(PDF_BYTES)
    folder = tmp_path_factory.mktemp("made")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        call_command("backup", to=folder, stdout=io.StringIO())
    [archive] = backups.archives_in(folder)
    return archive


def copy_of(archive: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in (archive, backups.checksum_path(archive)):
        shutil.copy(path, folder / path.name)
    return folder / archive.name


def flip_byte(path: Path, offset: int) -> None:
    with path.open("r+b") as file:
        file.seek(offset)
        byte = file.read(1)
        file.seek(offset)
        file.write(bytes([byte[0] ^ 0xFF]))


def recompute_checksum(archive: Path) -> None:
    digest = backups.file_sha256(archive)
    backups.checksum_path(archive).write_text(f"{digest}  {archive.name}\n")


def rewritten(archive: Path, folder: Path, change: Callable[[dict], None]) -> Path:
    """A copy of ``archive`` whose manifest ``change`` edits, with a checksum file that
    matches: consistent, but not what ``backup`` wrote."""
    with tarfile.open(archive) as tar:
        contents = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    manifest = json.loads(contents.pop(backups.MANIFEST))
    change(manifest)
    database = backups.DATABASE_MEMBERS[manifest["engine"]]
    if database != DATABASE:
        # Made on the other engine: its database member has that engine's name.
        contents[database] = contents.pop(DATABASE)
        manifest["members"][database] = manifest["members"].pop(DATABASE)
    contents[backups.MANIFEST] = json.dumps(manifest).encode()
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / archive.name
    with tarfile.open(copy, "w") as tar:
        for name, data in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    recompute_checksum(copy)
    return copy


def media_files(settings) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_the_archive_holds_the_database_the_files_and_their_hashes(made, db):
    with tarfile.open(made) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile(backups.MANIFEST).read())
        hashes = {
            name: hashlib.sha256(tar.extractfile(name).read()).hexdigest()
            for name in names
            if name != backups.MANIFEST
        }
    assert sorted(names) == sorted([DATABASE, "media/documents/scan.pdf", backups.MANIFEST])
    # Personal data: for the account that runs the backup only.
    assert made.stat().st_mode & 0o777 == 0o600
    assert manifest["engine"] == connection.vendor
    assert manifest["created_at"].endswith("Z")
    assert {name: m["sha256"] for name, m in manifest["members"].items()} == hashes
    assert manifest["members"]["media/documents/scan.pdf"]["size"] == len(PDF_BYTES)
    assert "reintegration.0001_initial" in manifest["migrations"]
    applied = here("SELECT app, name FROM django_migrations")
    assert manifest["migrations"] == sorted(f"{app}.{name}" for app, name in applied)
    # The checksum file is sha256sum's: a copy can be checked anywhere without the application.
    checked = subprocess.run(
        ["sha256sum", "-c", backups.checksum_path(made).name],  # noqa: S607 (coreutils)
        cwd=made.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.stdout == f"{made.name}: OK\n"


def damage_flipped(archive: Path) -> None:
    flip_byte(archive, archive.stat().st_size // 2)


def damage_truncated(archive: Path) -> None:
    with archive.open("r+b") as file:
        file.truncate(archive.stat().st_size - 1024)


def damage_member_with_a_fresh_checksum(archive: Path) -> None:
    """A byte of the database changed and the archive's checksum computed again: only the
    manifest's hashes can tell."""
    with tarfile.open(archive) as tar:
        member = tar.getmember(DATABASE)
    flip_byte(archive, member.offset_data + member.size // 2)
    recompute_checksum(archive)


def damage_checksum_file_lost(archive: Path) -> None:
    backups.checksum_path(archive).unlink()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (damage_flipped, "does not match its checksum"),
        (damage_truncated, "does not match its checksum"),
        (damage_member_with_a_fresh_checksum, f"{DATABASE} in the archive does not match"),
        (damage_checksum_file_lost, ".tar.sha256 is missing"),
    ],
)
def test_a_damaged_archive_is_refused_and_nothing_is_written(
    made, db, settings, tmp_path, damage, message
):
    archive = copy_of(made, tmp_path / "copy")
    damage(archive)
    before = row_counts(here)
    with pytest.raises(CommandError, match=message):
        call_command("restore", archive)
    assert media_files(settings) == []
    assert row_counts(here) == before


def test_an_archive_of_the_other_engine_is_refused(made, db, settings, tmp_path):
    archive = rewritten(made, tmp_path / "other", lambda m: m.update(engine=OTHER_ENGINE))
    with pytest.raises(CommandError, match="point DATABASE_URL at an empty"):
        call_command("restore", archive)
    assert media_files(settings) == []


def test_an_archive_of_a_newer_version_is_refused(made, db, settings, tmp_path):
    def from_the_future(manifest):
        manifest["migrations"].append("projects.9999_from_the_future")

    archive = rewritten(made, tmp_path / "newer", from_the_future)
    with pytest.raises(CommandError, match=r"does not know: projects\.9999_from_the_future"):
        call_command("restore", archive)


def test_a_database_with_migrations_applied_is_refused(made, db, settings):
    with pytest.raises(CommandError, match=r"is not empty \(migrations are applied\)"):
        call_command("restore", made)
    assert media_files(settings) == []


def test_a_database_with_rows_is_refused_even_without_migrations(made, db, settings):
    with connection.cursor() as cursor:
        # Inside the test's transaction, undone after it.
        cursor.execute("DELETE FROM django_migrations")
    with pytest.raises(CommandError, match=r"is not empty \(table \w+ has rows\)"):
        call_command("restore", made)
    assert media_files(settings) == []


def test_a_media_folder_with_files_is_refused(made, db, settings):
    Path(settings.MEDIA_ROOT).mkdir(parents=True)
    (Path(settings.MEDIA_ROOT) / "left.pdf").write_bytes(PDF_BYTES)
    with pytest.raises(CommandError, match="holds files already"):
        call_command("restore", made)
    assert [p.name for p in media_files(settings)] == ["left.pdf"]


# --- Backing up --------------------------------------------------------------------------


def test_keep_leaves_exactly_the_most_recent_archives(db, tmp_path):
    folder = tmp_path / "archives"
    folder.mkdir()
    older = [
        "reintegration-20250101-020000.tar",
        "reintegration-20250102-020000.tar",
        "reintegration-20250103-020000.tar",
    ]
    others = ["notes.txt", "reintegration-latest.tar", ".reintegration-20250104-020000.tar.partial"]
    for name in older:
        (folder / name).write_bytes(b"old")
        (folder / f"{name}.sha256").write_text("0" * 64 + f"  {name}\n")
    for name in others:
        (folder / name).write_bytes(b"not an archive")

    output = io.StringIO()
    call_command("backup", to=folder, keep=2, stdout=output)

    [made] = [p for p in backups.archives_in(folder) if p.name not in older]
    assert backups.archives_in(folder) == [folder / older[-1], made]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            *others,
            older[-1],
            f"{older[-1]}.sha256",
            made.name,
            f"{made.name}.sha256",
        ]
    )
    assert "Removed 2 older archive(s)" in output.getvalue()


def test_keep_must_leave_the_new_archive(db, tmp_path):
    with pytest.raises(CommandError, match="--keep must be at least 1"):
        call_command("backup", to=tmp_path, keep=0)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_backup_leaves_nothing_behind(db, tmp_path, monkeypatch):
    folder = tmp_path / "archives"
    with monkeypatch.context() as patch, pytest.raises(CommandError):
        # The database cannot be read: pg_dump or SQLite's backup fails half-way.
        patch.setitem(connection.settings_dict, "NAME", str(tmp_path / "no-such-database"))
        call_command("backup", to=folder, stdout=io.StringIO())
    assert list(folder.iterdir()) == []


def test_the_backup_folder_cannot_be_inside_the_media_folder(db, settings):
    with pytest.raises(CommandError, match="inside MEDIA_ROOT"):
        call_command("backup", to=Path(settings.MEDIA_ROOT) / "backups")


def test_the_database_password_never_reaches_the_command_line():
    database = {
        "NAME": "reintegration",
        "USER": "reintegration",
        "PASSWORD": "s3cret-Pa55",
        "HOST": "db.example.org",
        "PORT": 5433,
        "OPTIONS": {"sslmode": "require"},
    }
    command, environment = backups.postgres_invocation(database, "pg_dump", "--format=custom")
    assert command == [
        "pg_dump",
        "--format=custom",
        "--host",
        "db.example.org",
        "--port",
        "5433",
        "--username",
        "reintegration",
        "--dbname",
        "reintegration",
    ]
    assert environment["PGPASSWORD"] == "s3cret-Pa55"
    assert environment["PGSSLMODE"] == "require"
