from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from reintegration import backups


class Command(BaseCommand):
    help = (
        "Restore an archive made by `manage.py backup` into the configured database, which "
        "must be empty, and MEDIA_ROOT, which must hold no file. The archive is checked first "
        "(its .sha256 file must be beside it). See docs/operations.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="The .tar archive to restore.")

    def handle(self, *args: object, archive: Path, **options: object) -> None:
        restored = backups.restore(archive=archive)
        manifest = restored.manifest
        self.stdout.write(
            f"Restored {archive.name} (made {manifest.created_at}): the database and "
            f"{len(manifest.media)} media file(s)."
        )
        if restored.pending:
            self.stdout.write(
                f"This version of the application has {len(restored.pending)} migration(s) "
                "the archive's database lacks: run `manage.py migrate` before starting it."
            )
