import datetime

from django.db import migrations

TRACKS = [
    ("standard", "البرنامج العادي", "Parcours standard"),
    ("conditional_release", "الإفراج المقيد بشروط", "Libération conditionnelle"),
    ("moussalaha", "برنامج مصالحة", "Programme Moussalaha"),
]

CONSENT_AR = (
    "أوافق على أن تعالج مؤسسة محمد السادس لإعادة إدماج السجناء المعطيات الشخصية الواردة في "
    "ملفي، بما فيها المعطيات المتعلقة بفترة الاعتقال، لغرض مواكبتي في مشروع إعادة الإدماج "
    "وتتبعه فقط، وفقا للقانون 09-08. أعلم أن لي حق الولوج إلى معطياتي وتصحيحها والتعرض على "
    "معالجتها بطلب لدى المركز، وأنه يمكنني سحب موافقتي في أي وقت."
)
CONSENT_FR = (
    "J'accepte que la Fondation Mohammed VI pour la Réinsertion des Détenus traite les données "
    "personnelles de mon dossier, y compris celles relatives à ma détention, dans le seul but de "
    "m'accompagner dans mon projet de réinsertion et d'en assurer le suivi, conformément à la loi "
    "09-08. Je sais que je peux accéder à mes données, les faire rectifier et m'opposer à leur "
    "traitement en m'adressant au centre, et retirer mon consentement à tout moment."
)


def load(apps, schema_editor):
    track_model = apps.get_model("beneficiaries", "ProgrammeTrack")
    for code, name_ar, name_fr in TRACKS:
        track_model.objects.update_or_create(
            code=code, defaults={"name_ar": name_ar, "name_fr": name_fr}
        )
    apps.get_model("beneficiaries", "ConsentText").objects.get_or_create(
        version="2026-01",
        defaults={
            "text_ar": CONSENT_AR,
            "text_fr": CONSENT_FR,
            "published_on": datetime.date(2026, 1, 1),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
