from django.db import migrations

# Programmes ex-detainee conventions have been filed under (INDH phases get extended and
# renamed, so these are data that headquarters can complete).
PROGRAMMES = [
    (
        "p2_precarity",
        "برنامج مواكبة الأشخاص في وضعية هشاشة",
        "Programme 2 — Accompagnement des personnes en situation de précarité",
    ),
    (
        "p3_youth_income",
        "برنامج تحسين الدخل والإدماج الاقتصادي للشباب",
        "Programme 3 — Amélioration du revenu et inclusion économique des jeunes",
    ),
    ("precarity", "برنامج محاربة الهشاشة", "Programme de lutte contre la précarité"),
    ("none", "خارج المبادرة الوطنية للتنمية البشرية", "Hors INDH"),
]


def load(apps, schema_editor):
    model = apps.get_model("partners", "IndhProgramme")
    for code, name_ar, name_fr in PROGRAMMES:
        model.objects.update_or_create(code=code, defaults={"name_ar": name_ar, "name_fr": name_fr})


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
