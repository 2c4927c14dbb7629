"""Version 1 of the needs questionnaire, from the JSON file kept beside the code.

That file is version 1 for good: assessments answered in it keep reading their questions from
the copy stored here. A later version is a new file loaded with ``manage.py
load_questionnaire``, never an edit of this one."""

import json
from pathlib import Path

from django.db import migrations

FILE = Path(__file__).resolve().parent.parent / "questionnaires" / "needs-v1.json"


def load(apps, schema_editor):
    from beneficiaries.needs import checked

    definition = checked(json.loads(FILE.read_text(encoding="utf-8")))
    questionnaire = apps.get_model("beneficiaries", "Questionnaire")
    if not questionnaire.objects.filter(code=definition["code"]).exists():
        questionnaire.objects.create(
            code=definition["code"],
            version=definition["version"],
            active=True,
            definition=definition,
        )


def unload(apps, schema_editor):
    apps.get_model("beneficiaries", "Questionnaire").objects.filter(
        code="needs", version=1
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0014_needs_assessments")]

    operations = [migrations.RunPython(load, unload)]
