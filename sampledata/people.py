"""A few hundred believable files across the demo centres, with detention records and consent.
Deterministic (seeded random) and idempotent: a second run finds the files and adds nothing."""

import datetime
import random

from beneficiaries import services
from beneficiaries.models import (
    Beneficiary,
    Consent,
    ConsentText,
    DetentionRecord,
    Establishment,
    ProgrammeTrack,
)
from reintegration.models import Province, Role

FILES_PER_CENTRE = 40

# (Arabic, Latin) pairs in everyday Moroccan spelling.
MEN = [
    ("محمد", "Mohamed"),
    ("يوسف", "Youssef"),
    ("أحمد", "Ahmed"),
    ("عبد الله", "Abdellah"),
    ("حمزة", "Hamza"),
    ("رشيد", "Rachid"),
    ("مصطفى", "Mustapha"),
    ("إبراهيم", "Ibrahim"),
    ("عمر", "Omar"),
    ("سعيد", "Said"),
    ("خالد", "Khalid"),
    ("أيوب", "Ayoub"),
    ("عادل", "Adil"),
    ("ياسين", "Yassine"),
    ("نبيل", "Nabil"),
    ("إدريس", "Driss"),
]
WOMEN = [
    ("فاطمة", "Fatima"),
    ("خديجة", "Khadija"),
    ("مريم", "Meryem"),
    ("نادية", "Nadia"),
    ("سناء", "Sanaa"),
    ("حنان", "Hanane"),
    ("زينب", "Zineb"),
    ("أمينة", "Amina"),
    ("سلمى", "Salma"),
    ("ليلى", "Leila"),
]
FAMILY = [
    ("العلوي", "El Alaoui"),
    ("بنعلي", "Benali"),
    ("الإدريسي", "El Idrissi"),
    ("التازي", "Tazi"),
    ("الفاسي", "El Fassi"),
    ("بنجلون", "Benjelloun"),
    ("العمراني", "El Amrani"),
    ("الصديقي", "Seddiki"),
    ("الزياني", "Zyani"),
    ("بوزيان", "Bouziane"),
    ("الحسني", "El Hassani"),
    ("الشرقاوي", "Cherkaoui"),
    ("المريني", "Merini"),
    ("الوزاني", "Ouazzani"),
    ("الكتاني", "Kettani"),
]
COMMUNES = [
    "المدينة",
    "بني مكادة",
    "السواني",
    "الحي المحمدي",
    "سيدي مومن",
    "المرينيين",
    "العيون سيدي ملوك",
    "تابريكت",
    "بنسركاو",
]
TRAININGS = ["", "خياطة", "لحام", "كهرباء", "حلاقة", "نجارة", "معلوميات", "طبخ"]
ESTABLISHMENTS = [
    ("السجن المحلي طنجة 2", "Prison locale Tanger 2", "local", "01.511"),
    ("السجن المحلي عين السبع 1", "Prison locale Aïn Sebaâ 1 (Oukacha)", "local", "06.141"),
    ("السجن المحلي العرجات 1", "Prison locale El Arjat 1", "local", "04.441"),
    ("السجن المحلي آيت ملول 2", "Prison locale Aït Melloul 2", "local", "09.001"),
    ("السجن المحلي وجدة", "Prison locale Oujda", "local", "02.411"),
    ("السجن المحلي بوركايز", "Prison locale Bourkaiz", "local", "03.231"),
    ("السجن المحلي الأوداية", "Prison locale Loudaya", "local", "07.351"),
    ("السجن المركزي مول البركي", "Prison centrale Moul El Bergui", "central", None),
    (
        "مركز الإصلاح والتهذيب عين السبع",
        "Centre de réforme et d'éducation Aïn Sebaâ",
        "reeducation",
        "06.141",
    ),
]


def seed_establishments() -> list[Establishment]:
    provinces = {p.code: p for p in Province.objects.all()}
    result = []
    for name_ar, name_fr, kind, code in ESTABLISHMENTS:
        establishment, _created = Establishment.objects.get_or_create(
            name_fr=name_fr,
            defaults={"name_ar": name_ar, "kind": kind, "province": provinces.get(code)},
        )
        result.append(establishment)
    return result


def _person(rng: random.Random, today: datetime.date) -> dict:
    female = rng.random() < 0.12
    first_ar, first_latin = rng.choice(WOMEN if female else MEN)
    last_ar, last_latin = rng.choice(FAMILY)
    born = today - datetime.timedelta(days=rng.randint(19 * 365, 55 * 365))
    return {
        "first_name_ar": first_ar,
        "last_name_ar": last_ar,
        "first_name_latin": first_latin,
        "last_name_latin": last_latin,
        "sex": "F" if female else "M",
        "date_of_birth": born,
        "phone": f"+2126{rng.randint(10000000, 99999999)}",
        "commune": rng.choice(COMMUNES),
        "education": rng.choice(["none", "primary", "middle", "secondary", "vocational"]),
        "family_situation": rng.choice(["single", "single", "married", "divorced"]),
        "dependants": rng.randint(0, 4),
    }


def seed(**context) -> dict:
    centres = context["centres"]
    # The first coordinator of each centre opens its files (a centre may have two).
    coordinators: dict = {}
    for user in context["users"]:
        if user.role == Role.COORDINATOR:
            coordinators.setdefault(user.centre_id, user)
    national = next(u for u in context["users"] if u.role == Role.NATIONAL)
    establishments = seed_establishments()
    tracks = list(ProgrammeTrack.objects.order_by("pk"))
    consent_text = ConsentText.objects.first()
    rng = random.Random(2026)  # noqa: S311 (reproducible demo data, not security)
    today = datetime.date(2026, 11, 1)
    for centre in centres.values():
        if Beneficiary.objects.filter(centre=centre).exists():
            continue
        author = coordinators.get(centre.pk, national)
        for index in range(FILES_PER_CENTRE):
            data = _person(rng, today)
            data["residence_province"] = centre.province
            data["track"] = tracks[0] if rng.random() < 0.8 else rng.choice(tracks[1:])
            letters = rng.choice("ABCDGHJKLMNPQRSTUVWXYZ") + rng.choice("ABEHJKTX")
            data["cin"] = f"{letters}{rng.randint(100000, 999999)}" if index % 5 else None
            person = services.beneficiary_create(by=author, centre=centre, data=data)
            release = today - datetime.timedelta(days=rng.randint(30, 900))
            months = rng.randint(6, 96)
            DetentionRecord.objects.create(
                beneficiary=person,
                establishment=rng.choice(establishments),
                entry_date=release - datetime.timedelta(days=months * 30),
                release_date=release,
                sentence_months=months,
                training_in_prison=rng.choice(TRAININGS),
            )
            if index % 7:
                Consent.objects.create(
                    beneficiary=person,
                    given_on=release + datetime.timedelta(days=rng.randint(5, 25)),
                    collected_by=author,
                    language=rng.choice(["ar", "ar", "fr"]),
                    text=consent_text,
                )
    return {"establishments": establishments}
