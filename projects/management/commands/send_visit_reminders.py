from django.core.management.base import BaseCommand

from projects.services import visit_reminders_send


class Command(BaseCommand):
    help = (
        "E-mail each coordinator, through the outbox, the follow-up visits of their centre that "
        "are overdue or due within a week. Run it once a day (docs/operations.md); a second run "
        "the same day sends nothing."
    )

    def handle(self, *args, **options):
        count = visit_reminders_send()
        self.stdout.write(f"Reminders queued for {count} coordinator(s).")
