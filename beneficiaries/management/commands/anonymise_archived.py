from django.conf import settings
from django.core.management.base import BaseCommand

from beneficiaries.services import anonymise_archived


class Command(BaseCommand):
    help = (
        "Anonymise beneficiary files archived longer than BENEFICIARY_RETENTION_YEARS (law "
        "09-08: data kept no longer than its purpose needs). Keeps sex, year of birth, province "
        "and outcomes for statistics."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=settings.BENEFICIARY_RETENTION_YEARS)
        parser.add_argument("--dry-run", action="store_true", help="Only count the files.")

    def handle(self, *args, years, dry_run, **options):
        count = anonymise_archived(years=years, dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{count} file(s) archived more than {years} years ago {verb} anonymised."
        )
