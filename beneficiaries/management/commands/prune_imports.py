from datetime import timedelta

from django.core.management.base import BaseCommand

from beneficiaries.importing import prune_pending


class Command(BaseCommand):
    help = (
        "Delete the sheets stored by import dry runs that nobody confirmed or cancelled within "
        "--hours (default 3): the user closed the preview or their session ended. A preview is "
        "confirmed within minutes; confirming a pruned one asks for the sheet again. Run it "
        "every hour from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=3)

    def handle(self, *args, hours, **options):
        count = prune_pending(older_than=timedelta(hours=hours))
        self.stdout.write(f"{count} unconfirmed import file(s) older than {hours} hours deleted.")
