"""Backups: one archive holding the database and the uploaded files, and its restore.

``manage.py backup`` and ``manage.py restore`` are thin shells around :func:`back_up` and
:func:`restore`; docs/operations.md tells operators how to use them.

An archive is a plain tar file named after its UTC creation time
(``reintegration-20261126-020000.tar``) holding:

- ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or ``database.sqlite3`` (SQLite,
  a copy made with the online backup API);
- ``media/…``: every file under ``MEDIA_ROOT``;
- ``manifest.json``: the database engine, the creation time, the applied migrations and the
  SHA-256 and size of every other member.

Beside it, ``<archive>.sha256`` holds the SHA-256 of the whole archive in ``sha256sum``'s
format, so ``sha256sum -c`` checks a copy anywhere. The database is dumped before the files are
copied: a file that a committed row of the dump refers to was complete before that row was
committed, so it is complete in the archive too.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
APPLICATION = "reintegration"
MANIFEST = "manifest.json"
MEDIA = "media"
CHECKSUM_SUFFIX = ".sha256"
# Only names of this form are archives: pruning never touches anything else in the folder.
ARCHIVE_NAME = re.compile(r"\Areintegration-\d{8}-\d{6}\.tar\Z")
DATABASE_MEMBERS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
ENGINE_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
CHUNK = 1024 * 1024
# The same patience as the application's own SQLite connections (settings.DATABASES).
SQLITE_TIMEOUT = 20


@dataclass(frozen=True)
class Member:
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    engine: str
    created_at: str
    migrations: list[str]
    members: dict[str, Member]

    @property
    def database(self) -> str:
        return DATABASE_MEMBERS[self.engine]

    @property
    def media(self) -> list[str]:
        return sorted(name for name in self.members if name.startswith(f"{MEDIA}/"))

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "application": APPLICATION,
            "engine": self.engine,
            "created_at": self.created_at,
            "migrations": self.migrations,
            "members": {
                name: {"sha256": member.sha256, "size": member.size}
                for name, member in sorted(self.members.items())
            },
        }
        return json.dumps(data, indent=2, ensure_ascii=False).encode() + b"\n"

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        """The manifest ``raw`` holds, or a CommandError saying what is wrong with it."""
        try:
            data = json.loads(raw)
            if data["application"] != APPLICATION or data["format"] != FORMAT:
                raise ValueError("not an archive of this application in a format it reads")
            if data["engine"] not in DATABASE_MEMBERS:
                raise ValueError(f"unknown database engine {data['engine']!r}")
            manifest = cls(
                engine=data["engine"],
                created_at=str(data["created_at"]),
                migrations=[str(name) for name in data["migrations"]],
                members={
                    str(name): Member(sha256=str(m["sha256"]), size=int(m["size"]))
                    for name, m in data["members"].items()
                },
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise CommandError(f"The archive's manifest cannot be read: {error}.") from error
        if manifest.database not in manifest.members:
            raise CommandError("The archive's manifest lists no database.")
        return manifest


@dataclass(frozen=True)
class Written:
    """What ``back_up`` made."""

    path: Path
    size: int
    media_files: int
    removed: list[Path]


@dataclass(frozen=True)
class Restored:
    """What ``restore`` put back."""

    manifest: Manifest
    # Migrations of this version of the application that the archive's database lacks.
    pending: list[str]


# --- Names and checksums -----------------------------------------------------------------


def archive_name(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("reintegration-%Y%m%d-%H%M%S.tar")


def checksum_path(archive: Path) -> Path:
    return archive.with_name(archive.name + CHECKSUM_SUFFIX)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _Hashing:
    """Passes reads or writes through to ``file``, hashing the bytes on the way."""

    def __init__(self, file: IO[bytes]):
        self.file = file
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.file.write(data)

    def tell(self) -> int:
        return self.file.tell()

    def seek(self, position: int, /) -> int:
        # A hash follows the bytes in order: tarfile never seeks when it only reads a member
        # or writes a new archive, the two uses here.
        raise io.UnsupportedOperation("read or written in one pass")

    def close(self) -> None:
        """The file belongs to whoever opened it."""


# --- Database connections ----------------------------------------------------------------


def _database() -> BaseDatabaseWrapper:
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor not in DATABASE_MEMBERS:
        raise CommandError(
            f"Backups cover PostgreSQL and SQLite databases, not {connection.display_name}."
        )
    return connection


def _sqlite_path(connection: BaseDatabaseWrapper) -> Path:
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        raise CommandError(f"The SQLite database must be a file, not {name!r}.")
    return Path(name).resolve()


def postgres_invocation(
    settings_dict: dict[str, Any], program: str, *arguments: str
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that run ``program`` (pg_dump, pg_restore) against the
    database of ``settings_dict``. The password travels in the child's environment
    (PGPASSWORD), never on the command line, where any user of the machine could read it."""
    from django.db.backends.postgresql.client import DatabaseClient

    # Django's own dbshell turns the settings into libpq's variables (password, SSL, service).
    _, variables = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    command = [program, *arguments]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            command += [option, str(settings_dict[key])]
    if settings_dict.get("NAME"):
        command += ["--dbname", str(settings_dict["NAME"])]
    return command, {**os.environ, **(variables or {})}


def _applied_migrations(connection: BaseDatabaseWrapper) -> list[str]:
    try:
        applied = MigrationRecorder(connection).applied_migrations()
    except DatabaseError as error:
        raise CommandError(f"The database cannot be read: {error}.") from error
    return sorted(f"{app}.{name}" for app, name in applied)


def _known_migrations() -> tuple[set[str], list[str]]:
    """The migrations this version of the application knows (squashed ones included), and
    the ones a database up to date with it has applied."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set()
    for (app, name), migration in loader.disk_migrations.items():
        known.add(f"{app}.{name}")
        known.update(f"{a}.{n}" for a, n in migration.replaces)
    latest = sorted(f"{app}.{name}" for app, name in loader.graph.nodes)
    return known, latest


# --- Backing up --------------------------------------------------------------------------


def back_up(*, directory: Path, keep: int, now: datetime | None = None) -> Written:
    """Write one archive of the database and the media files into ``directory``, then delete
    the archives beyond the ``keep`` most recent ones."""
    if keep < 1:
        raise CommandError("--keep must be at least 1: the archive just made is kept.")
    connection = _database()
    directory = directory.resolve()
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if directory.is_relative_to(media_root):
        raise CommandError(
            f"The backup folder {directory} is inside MEDIA_ROOT: each archive would hold the "
            "ones before it. Choose a folder outside it."
        )
    # Archives hold personal data (law 09-08): a folder this creates and every archive are for
    # the account that runs the backup only.
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    created = (now or timezone.now()).astimezone(UTC)
    final = directory / archive_name(created)
    if final.exists():
        raise CommandError(f"{final} exists already.")

    # Written under a name that is not an archive's and renamed when complete: a crash leaves
    # at worst a ".partial" file, never a truncated archive that looks whole.
    partial = directory / f".{final.name}.partial"
    try:
        members: dict[str, Member] = {}
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as raw:
            hashing = _Hashing(raw)
            with tarfile.open(fileobj=hashing, mode="w", format=tarfile.PAX_FORMAT) as tar:
                migrations = _applied_migrations(connection)
                database = DATABASE_MEMBERS[connection.vendor]
                with _staging(directory) as staging:
                    dump = staging / database
                    _dump(connection, dump)
                    members[database] = _add_file(tar, dump, database)
                for path, name in _media_files(media_root):
                    members[name] = _add_file(tar, path, name)
                manifest = Manifest(
                    engine=connection.vendor,
                    created_at=created.isoformat(timespec="seconds").replace("+00:00", "Z"),
                    migrations=migrations,
                    members=members,
                )
                _add_bytes(tar, MANIFEST, manifest.to_json(), created)
            raw.flush()
            os.fsync(raw.fileno())
        _write_atomically(
            checksum_path(final), f"{hashing.digest.hexdigest()}  {final.name}\n".encode()
        )
        os.replace(partial, final)
        _sync_directory(directory)
    finally:
        partial.unlink(missing_ok=True)
    removed = prune(directory, keep=keep)
    return Written(
        path=final, size=final.stat().st_size, media_files=len(manifest.media), removed=removed
    )


@contextmanager
def _staging(directory: Path) -> Iterator[Path]:
    # Beside the archives rather than in /tmp: a database dump can be larger than /tmp.
    with tempfile.TemporaryDirectory(prefix=".reintegration-staging-", dir=directory) as path:
        yield Path(path)


def _dump(connection: BaseDatabaseWrapper, target: Path) -> None:
    if connection.vendor == "postgresql":
        command, environment = postgres_invocation(
            connection.settings_dict, "pg_dump", "--format=custom", f"--file={target}"
        )
        _run(command, environment, what="pg_dump")
        return
    # The online backup API copies one consistent state of the database under a read lock,
    # where copying the file could catch a write half-way. It copies every page in one step:
    # copied in several, any write by the running application would start it again, and a busy
    # server could keep it from ever finishing. Writers meanwhile wait (busy timeout) and go on.
    source_uri = _sqlite_path(connection).as_uri() + "?mode=ro"
    try:
        with (
            closing(sqlite3.connect(source_uri, uri=True, timeout=SQLITE_TIMEOUT)) as source,
            closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)
    except sqlite3.Error as error:
        raise CommandError(f"The SQLite database could not be copied: {error}.") from error


def _run(command: list[str], environment: dict[str, str], *, what: str) -> None:
    try:
        result = subprocess.run(
            command, env=environment, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise CommandError(
            f"{what} was not found: install PostgreSQL's client programs (Debian: "
            "postgresql-client, installed by scripts/setup.sh)."
        ) from error
    if result.returncode != 0:
        raise CommandError(f"{what} failed: {result.stderr.strip()}")


def _media_files(media_root: Path) -> Iterator[tuple[Path, str]]:
    if not media_root.is_dir():
        return
    for folder, subfolders, files in os.walk(media_root):
        subfolders.sort()
        for file in sorted(files):
            path = Path(folder, file)
            yield path, f"{MEDIA}/{path.relative_to(media_root).as_posix()}"


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> Member:
    with path.open("rb") as file:
        status = os.fstat(file.fileno())
        info = tarfile.TarInfo(name)
        info.size = status.st_size
        info.mtime = int(status.st_mtime)
        info.mode = 0o640
        reader = _Hashing(file)
        # Reads exactly info.size bytes: a file that grows meanwhile is cut where it was when
        # opened (and hashed as stored); one that shrinks stops the backup.
        tar.addfile(info, reader)
    return Member(sha256=reader.digest.hexdigest(), size=reader.size)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, moment: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(moment.timestamp())
    info.mode = 0o640
    tar.addfile(info, io.BytesIO(data))


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _sync_directory(directory: Path) -> None:
    """Make the renames durable: without it a power cut can forget them."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def archives_in(directory: Path) -> list[Path]:
    """The archives in ``directory``, oldest first (their names sort by UTC time)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if ARCHIVE_NAME.match(p.name) and p.is_file())


def prune(directory: Path, *, keep: int) -> list[Path]:
    """Delete the archives (and their checksum files) older than the ``keep`` most recent."""
    old = archives_in(directory)[:-keep]
    for archive in old:
        archive.unlink()
        checksum_path(archive).unlink(missing_ok=True)
    return old


# --- Checking an archive -----------------------------------------------------------------


def verify(archive: Path) -> Manifest:
    """The archive's manifest, once the archive matches its checksum file and every member
    matches the manifest; otherwise a CommandError saying what is wrong. Reads only."""
    if not archive.is_file():
        raise CommandError(f"There is no archive at {archive}.")
    checksum = checksum_path(archive)
    if not checksum.is_file():
        raise CommandError(
            f"{checksum.name} is missing: copy it with the archive, it is how a damaged copy "
            "is recognised."
        )
    expected = checksum.read_text(errors="replace").split(maxsplit=1)[:1]
    if expected != [file_sha256(archive)]:
        raise CommandError(
            f"{archive.name} does not match its checksum ({checksum.name}): the archive is "
            "damaged or incomplete. Nothing was restored; use another copy."
        )
    try:
        with tarfile.open(archive, mode="r:") as tar:
            return _verify_members(tar)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise CommandError(f"{archive.name} cannot be read as an archive: {error}.") from error


def _verify_members(tar: tarfile.TarFile) -> Manifest:
    entries = tar.getmembers()
    names = [entry.name for entry in entries]
    if len(set(names)) != len(names):
        raise CommandError("The archive holds a member twice.")
    if MANIFEST not in names:
        raise CommandError("The archive holds no manifest.json.")
    manifest = Manifest.from_json(_read(tar, MANIFEST))
    listed = set(manifest.members)
    if set(names) - {MANIFEST} != listed:
        unexpected = sorted(set(names) - {MANIFEST} - listed)
        missing = sorted(listed - set(names))
        raise CommandError(
            "The archive's members differ from its manifest "
            f"(not listed: {unexpected or 'none'}; missing: {missing or 'none'})."
        )
    for entry in entries:
        if entry.name == MANIFEST:
            continue
        if not entry.isfile() or not _safe(entry.name, manifest):
            raise CommandError(f"The archive holds an unexpected member: {entry.name!r}.")
        expected = manifest.members[entry.name]
        source = tar.extractfile(entry)
        assert source is not None  # noqa: S101 (a regular file always has contents)
        reader = _Hashing(source)
        while reader.read(CHUNK):
            pass
        if (reader.digest.hexdigest(), reader.size) != (expected.sha256, expected.size):
            raise CommandError(
                f"{entry.name} in the archive does not match its manifest: the archive is "
                "damaged. Nothing was restored; use another copy."
            )
    return manifest


def _read(tar: tarfile.TarFile, name: str) -> bytes:
    source = tar.extractfile(name)
    if source is None:
        raise CommandError(f"{name} in the archive is not a file.")
    return source.read()


def _safe(name: str, manifest: Manifest) -> bool:
    """Whether ``name`` is the database or a path under media/ that stays there."""
    if name == manifest.database:
        return True
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and len(path.parts) > 1
        and path.parts[0] == MEDIA
        and ".." not in path.parts
        and "\\" not in name
    )


# --- Restoring ---------------------------------------------------------------------------


def restore(*, archive: Path) -> Restored:
    """Put the archive's database into the configured database and its files into
    MEDIA_ROOT. Every check comes first: a damaged archive, an archive of the other engine or
    of a newer version, a database or media folder that is not empty are refused before
    anything is written."""
    manifest = verify(archive)
    connection = _database()
    if manifest.engine != connection.vendor:
        raise CommandError(
            f"The archive holds a {ENGINE_NAMES[manifest.engine]} database and the configured "
            f"database is {ENGINE_NAMES[connection.vendor]}: point DATABASE_URL at an empty "
            f"{ENGINE_NAMES[manifest.engine]} database."
        )
    known, latest = _known_migrations()
    unknown = sorted(set(manifest.migrations) - known)
    if unknown:
        raise CommandError(
            "The archive was made by a newer version of the application (migrations this "
            f"version does not know: {', '.join(unknown)}). Restore it with that version."
        )
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if media_root.is_dir() and any(path.is_file() for path in media_root.rglob("*")):
        raise CommandError(
            f"MEDIA_ROOT ({media_root}) holds files already: restore into an empty folder."
        )
    _refuse_unless_empty(connection)

    with tarfile.open(archive, mode="r:") as tar:
        _restore_database(connection, tar, manifest)
        media_root.mkdir(parents=True, exist_ok=True)
        for name in manifest.media:
            target = media_root.joinpath(*PurePosixPath(name).parts[1:])
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(name)
            assert source is not None  # noqa: S101 (checked by verify)
            with target.open("xb") as file:
                while chunk := source.read(CHUNK):
                    file.write(chunk)
    pending = sorted(set(latest) - set(manifest.migrations))
    return Restored(manifest=manifest, pending=pending)


def _refuse_unless_empty(connection: BaseDatabaseWrapper) -> None:
    """Restoring over data would mix two histories: only an empty database is accepted."""
    if connection.vendor == "sqlite" and not _sqlite_path(connection).parent.is_dir():
        raise CommandError(
            f"The folder of the SQLite database {_sqlite_path(connection)} does not exist."
        )
    recorder = MigrationRecorder(connection)
    if recorder.has_table() and recorder.migration_qs.exists():
        raise CommandError(
            f"The database {connection.settings_dict['NAME']} is not empty (migrations are "
            "applied): restore into a newly created, empty database."
        )
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone() is not None:
                raise CommandError(
                    f"The database {connection.settings_dict['NAME']} is not empty (table "
                    f"{table} has rows): restore into a newly created, empty database."
                )
    connection.close()


def _restore_database(
    connection: BaseDatabaseWrapper, tar: tarfile.TarFile, manifest: Manifest
) -> None:
    source = tar.extractfile(manifest.database)
    assert source is not None  # noqa: S101 (checked by verify)
    if connection.vendor == "postgresql":
        # One transaction: should anything fail, the database stays as empty as it was.
        command, environment = postgres_invocation(
            connection.settings_dict,
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
        )
        _pipe(source, command, environment, what="pg_restore")
        return
    # SQLite restores a file: the copy is staged beside the database (same disk, room for it)
    # and copied in with the backup API, which writes the whole database in one transaction.
    target = _sqlite_path(connection)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=target.parent) as staging:
        copy = Path(staging) / manifest.database
        with copy.open("xb") as file:
            while chunk := source.read(CHUNK):
                file.write(chunk)
        try:
            with (
                closing(sqlite3.connect(copy)) as restored,
                closing(sqlite3.connect(target, timeout=SQLITE_TIMEOUT)) as database,
            ):
                restored.backup(database)
        except sqlite3.Error as error:
            raise CommandError(f"The SQLite database could not be restored: {error}.") from error


def _pipe(source: IO[bytes], command: list[str], environment: dict[str, str], *, what: str) -> None:
    """Run ``command`` with ``source`` on its standard input (no copy of the dump on disk)."""
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                command, env=environment, stdin=subprocess.PIPE, stderr=errors
            )
        except FileNotFoundError as error:
            raise CommandError(
                f"{what} was not found: install PostgreSQL's client programs (Debian: "
                "postgresql-client, installed by scripts/setup.sh)."
            ) from error
        assert process.stdin is not None  # noqa: S101 (asked for above)
        try:
            while chunk := source.read(CHUNK):
                process.stdin.write(chunk)
            process.stdin.close()
        except BrokenPipeError:
            pass  # it stopped reading: its exit status and messages say why
        if process.wait() != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()
            raise CommandError(f"{what} failed, nothing was restored: {message}")
