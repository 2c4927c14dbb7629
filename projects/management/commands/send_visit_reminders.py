from django.core.management.base import BaseCommand

from projects.services import visit_reminders_send
from projects.texting import visit_text_reminders_send


class Command(BaseCommand):
    help = (
        "E-mail each coordinator, through the outbox, the follow-up visits of their centre that "
        "are overdue or due within a week, and text a reminder to the beneficiaries who agreed "
        "to it whose visit is due within SMS_VISIT_REMINDER_DAYS days. Run it once a day "
        "(docs/operations.md); a second run the same day sends nothing."
    )

    def handle(self, *args, **options):
        count = visit_reminders_send()
        self.stdout.write(f"Reminders queued for {count} coordinator(s).")
        texted = visit_text_reminders_send()
        self.stdout.write(f"Text reminders queued for {texted.sent} beneficiary(ies).")
        for reason, skipped in sorted(texted.skipped.items()):
            self.stdout.write(f"  not texted ({skipped}): {reason}")
