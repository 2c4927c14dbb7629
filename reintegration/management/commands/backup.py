from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from reintegration import backups


def size_text(size: int) -> str:
    """1234567 -> "1.2 MB" (powers of 1000, as `ls -h --si` and disk makers count)."""
    if size < 1000:
        return f"{size} bytes"
    value = size / 1000
    for unit in ("kB", "MB", "GB"):
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


class Command(BaseCommand):
    help = (
        "Write one archive of the database and the uploaded files (MEDIA_ROOT), with its "
        "SHA-256 checksum beside it, then delete the archives beyond the most recent --keep. "
        "See docs/operations.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--to",
            type=Path,
            metavar="DIR",
            help="Folder of the archives (default: BACKUP_DIR).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            metavar="N",
            help="Archives kept in the folder, this one included (default: BACKUP_KEEP).",
        )

    def handle(self, *args: object, to: Path | None, keep: int | None, **options: object) -> None:
        written = backups.back_up(
            directory=to or Path(settings.BACKUP_DIR),
            keep=settings.BACKUP_KEEP if keep is None else keep,
        )
        self.stdout.write(
            f"Backup written to {written.path} ({size_text(written.size)}: the database and "
            f"{written.media_files} media file(s)); checksum in "
            f"{backups.checksum_path(written.path).name}."
        )
        if written.removed:
            self.stdout.write(
                f"Removed {len(written.removed)} older archive(s): "
                + ", ".join(path.name for path in written.removed)
            )
