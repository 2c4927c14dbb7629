"""Demo data for the organisation: the centres known from public sources and one account per
role. Every function here is idempotent: running it twice changes nothing."""

from reintegration.models import Centre, Province, Region, Role, User

# Printed on screen by seed_demo; demo databases only.
DEMO_PASSWORD = "Demo-Reinsertion-2026"  # noqa: S105

# Centres d'Accompagnement et de Réinsertion named in the press (see DOMAIN.md §1.3).
CENTRES = [
    ("TNG", "01.511", "مركز المصاحبة وإعادة الإدماج بطنجة", "CAR Tanger", "Tanger"),
    ("CAS", "06.141", "مركز المصاحبة وإعادة الإدماج بالدار البيضاء", "CAR Casablanca", "Oukacha"),
    ("SLE", "04.441", "مركز المصاحبة وإعادة الإدماج بسلا", "CAR Salé", "Salé"),
    ("AGA", "09.001", "مركز المصاحبة وإعادة الإدماج بأكادير", "CAR Agadir", "Agadir"),
    ("OUJ", "02.411", "مركز المصاحبة وإعادة الإدماج بوجدة", "CAR Oujda", "Oujda"),
    ("FES", "03.231", "مركز المصاحبة وإعادة الإدماج بفاس", "CAR Fès", "Fès, quartier Dokkarat"),
    ("MRK", "07.351", "مركز المصاحبة وإعادة الإدماج بمراكش", "CAR Marrakech", "Marrakech"),
    ("MKN", "03.061", "مركز المصاحبة وإعادة الإدماج بمكناس", "CAR Meknès", "Meknès"),
]

# username, first name, last name, role, scope field, scope code
ACCOUNTS = [
    ("coordinator", "Samira", "El Idrissi", Role.COORDINATOR, "centre", "TNG"),
    ("coordinator.casa", "Youssef", "Benjelloun", Role.COORDINATOR, "centre", "CAS"),
    # A second coordinator in Tanger: the caseload page shares the centre's files between them.
    ("coordinator.tng2", "Omar", "Zyani", Role.COORDINATOR, "centre", "TNG"),
    ("regional", "Karim", "Amrani", Role.REGIONAL, "region", "01"),
    ("official", "Nadia", "Tazi", Role.OFFICIAL, "province", "01.511"),
    ("national", "Hicham", "Alaoui", Role.NATIONAL, None, None),
    ("auditor", "Leila", "Berrada", Role.AUDITOR, None, None),
]


def seed_centres() -> dict[str, Centre]:
    provinces = {p.code: p for p in Province.objects.filter(code__in=[c[1] for c in CENTRES])}
    centres = {}
    for code, province_code, name_ar, name_fr, address in CENTRES:
        centres[code], _created = Centre.objects.get_or_create(
            code=code,
            defaults={
                "province": provinces[province_code],
                "name_ar": name_ar,
                "name_fr": name_fr,
                "address": address,
            },
        )
    return centres


def seed_accounts(centres: dict[str, Centre]) -> list[User]:
    scopes = {
        "centre": centres,
        "region": {r.code: r for r in Region.objects.all()},
        "province": {p.code: p for p in Province.objects.filter(code="01.511")},
    }
    users = []
    for username, first, last, role, scope_field, scope_code in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=first, last_name=last, role=role)
            if scope_field:
                setattr(user, scope_field, scopes[scope_field][scope_code])
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
        users.append(user)
    return users


def seed(**context) -> dict:
    centres = seed_centres()
    users = seed_accounts(centres)
    return {"centres": centres, "users": users}
