"""Conventions modelled on published ones: a provincial INDH committee envelope of about one
million dirhams for each demo centre's province, and an employment-agency convention in kind."""

import datetime
from decimal import Decimal

from partners.models import (
    Contribution,
    Convention,
    IndhProgramme,
    Partner,
    PartnerContact,
    Tranche,
)

FOUNDATION = (
    "مؤسسة محمد السادس لإعادة إدماج السجناء",
    "Fondation Mohammed VI pour la Réinsertion des Détenus",
)
# Envelopes per centre: Tanger's is the ~1 MDH of the Fahs-Anjra and Rehamna conventions.
ENVELOPES = {
    "TNG": "1000000.00",
    "CAS": "1236895.49",
    "SLE": "600000.00",
    "AGA": "1000000.00",
    "OUJ": "500000.00",
    "FES": "800000.00",
    "MRK": "1200000.00",
    "MKN": "707604.50",
}


def seed(**context) -> dict:
    if Convention.objects.exists():
        return {"conventions": list(Convention.objects.all())}
    foundation, _created = Partner.objects.get_or_create(
        kind=Partner.Kind.FOUNDATION, name_fr=FOUNDATION[1], defaults={"name_ar": FOUNDATION[0]}
    )
    programme = IndhProgramme.objects.get(code="p2_precarity")
    conventions = []
    for code, centre in context["centres"].items():
        province = centre.province
        committee = Partner.objects.create(
            kind=Partner.Kind.INDH_COMMITTEE,
            name_ar=f"اللجنة الإقليمية للتنمية البشرية {province.name_ar}",
            name_fr=f"Comité provincial de développement humain {province.name_fr}",
            province=province,
            region=province.region,
        )
        PartnerContact.objects.create(
            partner=committee,
            name="Rachid Benkirane",
            position="Chef de la Division de l'Action Sociale",
            phone="+212539000000",
        )
        envelope = Decimal(ENVELOPES[code])
        convention = Convention.objects.create(
            reference=f"CPDH-{code}-2024-01",
            title=f"Appui aux activités génératrices de revenus — {province.name_fr}",
            title_ar=f"دعم الأنشطة المدرة للدخل — {province.name_ar}",
            programme=programme,
            signed_on=datetime.date(2024, 3, 12),
            starts_on=datetime.date(2024, 4, 1),
            ends_on=datetime.date(2027, 3, 31),
            envelope=envelope,
            status=Convention.Status.ACTIVE,
        )
        convention.provinces.add(province)
        Contribution.objects.create(
            convention=convention, partner=committee, kind="cash", amount=envelope
        )
        Contribution.objects.create(
            convention=convention,
            partner=foundation,
            kind="in_kind",
            description="Sélection, étude de faisabilité, formation, accompagnement et suivi",
        )
        for number, share in ((1, Decimal("0.4")), (2, Decimal("0.35")), (3, Decimal("0.25"))):
            Tranche.objects.create(
                convention=convention,
                number=number,
                amount=(envelope * share).quantize(Decimal("0.01")),
                planned_on=datetime.date(2024 + number - 1, 6, 30),
            )
        conventions.append(convention)
    anapec = Partner.objects.create(
        kind=Partner.Kind.EMPLOYMENT_AGENCY,
        name_ar="الوكالة الوطنية لإنعاش التشغيل والكفاءات",
        name_fr="Agence nationale de promotion de l'emploi et des compétences (ANAPEC)",
    )
    in_kind = Convention.objects.create(
        reference="ANAPEC-FM6-2025",
        title="Ateliers de recherche d'emploi au CAR de Tanger",
        title_ar="ورشات البحث عن الشغل بمركز المواكبة لإعادة الإدماج بطنجة",
        programme=IndhProgramme.objects.get(code="none"),
        signed_on=datetime.date(2025, 1, 20),
        starts_on=datetime.date(2025, 2, 1),
        ends_on=datetime.date(2026, 12, 31),
        envelope=Decimal("150000.00"),
        status=Convention.Status.ACTIVE,
    )
    in_kind.provinces.add(context["centres"]["TNG"].province)
    Contribution.objects.create(
        convention=in_kind,
        partner=anapec,
        kind="in_kind",
        amount=Decimal("150000.00"),
        description="Ateliers hebdomadaires de recherche d'emploi, valorisés",
    )
    return {"conventions": conventions}
