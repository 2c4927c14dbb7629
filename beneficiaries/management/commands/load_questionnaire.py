"""Load a new version of a needs questionnaire from a JSON file (``beneficiaries/needs.py``
describes the shape; ``beneficiaries/questionnaires/needs-v1.json`` is an example).

The file is checked whole before anything is stored: a malformed one is refused with every
reason, one per line. The new version is offered to new assessments from then on; those already
recorded keep the version they were answered in."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations

from beneficiaries import needs
from beneficiaries.assessments import questionnaire_load
from reintegration.refusals import Refused


class Command(BaseCommand):
    help = "Load a new version of a needs questionnaire from a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the JSON file of the questionnaire")

    @no_translations
    def handle(self, *args, path, **options):
        try:
            definition = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{path} is not valid JSON (UTF-8): {error}.") from None
        problems = needs.validate(definition)
        if problems:
            lines = "\n".join(f"- {problem}" for problem in problems)
            raise CommandError(f"{path} is not a questionnaire that can be loaded:\n{lines}")
        try:
            loaded = questionnaire_load(definition=definition)
        except Refused as refusal:
            raise CommandError(refusal.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {loaded.code} version {loaded.version}: new assessments use it."
            )
        )
