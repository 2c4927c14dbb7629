from django.core.management.base import BaseCommand

from reintegration.outbox import outbox_sweep


class Command(BaseCommand):
    help = (
        "Queue again the outgoing messages whose delivery was lost (a worker stopped during an "
        "attempt). Run it every five minutes (docs/operations.md)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{outbox_sweep()} message(s) queued again.")
