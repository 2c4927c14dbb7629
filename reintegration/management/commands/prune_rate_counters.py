import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from reintegration.ratelimit import prune


class Command(BaseCommand):
    help = (
        "Delete the rate-limit counters of windows older than an hour (the public certificate "
        "verification page writes one row per client and minute when the database counts, "
        "that is without Redis). Run it every hour from cron."
    )

    def handle(self, *args, **options):
        count = prune(before=timezone.now() - datetime.timedelta(hours=1))
        self.stdout.write(f"{count} rate-limit counter(s) deleted.")
