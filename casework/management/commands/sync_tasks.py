from django.core.management.base import BaseCommand

from casework.services import tasks_sync


class Command(BaseCommand):
    help = (
        "Write the system tasks of every file whose milestones need action today (a visit "
        "coming due this week, a file without consent...) and settle those whose milestone is "
        "gone. Run it once a day (docs/operations.md); a second run changes nothing."
    )

    def handle(self, *args, **options):
        synced = tasks_sync()
        self.stdout.write(f"Tasks created: {synced.created}; settled: {synced.settled}.")
