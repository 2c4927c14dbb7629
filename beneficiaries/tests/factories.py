import datetime

import factory

from beneficiaries import services
from beneficiaries.models import (
    Beneficiary,
    ConsentText,
    DetentionRecord,
    Establishment,
    ProgrammeTrack,
)
from reintegration.models import Province
from reintegration.tests.factories import CentreFactory, UserFactory


class EstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Establishment

    name_ar = "السجن المحلي طنجة 2"
    name_fr = "Prison locale Tanger 2"
    kind = Establishment.Kind.LOCAL


class BeneficiaryFactory(factory.Factory):
    """Goes through the real service, so numbering, search text and audit are the real ones."""

    class Meta:
        model = Beneficiary

    centre = factory.SubFactory(CentreFactory)
    by = factory.SubFactory(UserFactory)
    first_name_ar = "فاطمة"
    last_name_ar = "الزهراء"
    first_name_latin = "Fatima"
    last_name_latin = "Zahra"
    sex = "F"
    date_of_birth = datetime.date(1990, 5, 17)
    cin = None
    phone = "+212612345678"
    residence_province = factory.LazyFunction(lambda: Province.objects.get(code="01.511"))
    commune = "بني مكادة"
    track = factory.LazyFunction(lambda: ProgrammeTrack.objects.get(code="standard"))

    @classmethod
    def _create(cls, model_class, *, centre, by, **data):
        return services.beneficiary_create(by=by, centre=centre, data=data)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("beneficiaries are created through the service")


def detention_for(beneficiary, **overrides) -> DetentionRecord:
    values = {
        "establishment": EstablishmentFactory(),
        "entry_date": datetime.date(2018, 3, 1),
        "release_date": datetime.date(2024, 3, 1),
        "sentence_months": 72,
        "training_in_prison": "لحام",
        **overrides,
    }
    return DetentionRecord.objects.create(beneficiary=beneficiary, **values)


def consent_text() -> ConsentText:
    return ConsentText.objects.get(version="2026-01")


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
