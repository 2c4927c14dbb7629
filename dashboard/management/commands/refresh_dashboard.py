from django.core.management.base import BaseCommand

from dashboard import summary


class Command(BaseCommand):
    help = (
        "Compute again every centre's kept dashboard figures, for today: the visits due and "
        "the outcomes old enough count from the day, and this repairs any row a change failed "
        "to mark. Run it daily from cron, just after midnight."
    )

    def handle(self, *args: object, **options: object) -> None:
        count = summary.rebuild()
        self.stdout.write(f"Dashboard figures computed for {count} centre(s).")
