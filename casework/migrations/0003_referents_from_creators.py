"""Files opened before referents existed get one: the coordinator who opened the file, when
that person is still an active coordinator of the file's centre. The others (opened by
headquarters, by an import of another account, or by someone who left) stay without a referent
and show under "No referent" on the centre's caseload page, to be assigned there."""

from django.db import migrations
from django.db.models import F


def referents_from_creators(apps, schema_editor):
    Beneficiary = apps.get_model("beneficiaries", "Beneficiary")
    Beneficiary.objects.filter(
        referent__isnull=True,
        created_by__role="coordinator",
        created_by__is_active=True,
        created_by__centre=F("centre"),
    ).update(referent=F("created_by"))


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0012_referent"),
        ("casework", "0002_transfer_requests"),
    ]

    # Going back leaves the referents as they are: they may have been chosen since.
    operations = [migrations.RunPython(referents_from_creators, migrations.RunPython.noop)]
