import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from reintegration.jobs import prune_jobs


class Command(BaseCommand):
    help = (
        "Delete finished jobs older than --days (7 by default) and the files they made (batch "
        "PDFs, reports). Run it daily (docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days, **options):
        count = prune_jobs(before=timezone.now() - datetime.timedelta(days=days))
        self.stdout.write(f"{count} finished job(s) deleted.")
