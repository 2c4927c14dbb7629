from importlib import import_module

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from reintegration.models import ROLE_SCOPE_FIELD
from sampledata import staff as demo


class Command(BaseCommand):
    help = "Create believable demo data (idempotent) and print the demo accounts."

    # Each module provides seed(**context); they run in this order, each receiving what the
    # previous ones created.
    MODULES = [
        "sampledata.staff",
        "sampledata.people",
        "sampledata.funding",
        "sampledata.life_projects",
        "sampledata.handovers",
        "sampledata.texting",
        "sampledata.transfers",
        "sampledata.referrals",
        "sampledata.today",
        "sampledata.needs",
        "sampledata.verification",
        "sampledata.outcomes",
        # Last: the system's tasks read every milestone the modules above created.
        "sampledata.tasks",
    ]

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            # It creates accounts whose password is printed here and in the README.
            raise CommandError("seed_demo refuses to run with DJANGO_ENV=production.")
        context: dict = {}
        with transaction.atomic():
            for name in self.MODULES:
                context.update(import_module(name).seed(**context))
        # The dashboard's kept figures, computed from the demo data (some of it written
        # without the services).
        call_command("refresh_dashboard", stdout=self.stdout._out)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Demo accounts (password for all: {demo.DEMO_PASSWORD}):")
        for user in context["users"]:
            scope_field = ROLE_SCOPE_FIELD.get(user.role)
            scope = getattr(user, scope_field).name_fr if scope_field else "all of Morocco"
            with translation.override("en"):
                role = str(user.get_role_display())
            self.stdout.write(f"  {user.username:<18} {role:<24} {scope}")
