import pytest
from django.core.management import call_command

from beneficiaries import services
from beneficiaries.models import Beneficiary, DetentionRecord, FileNumberCounter
from beneficiaries.tests.factories import BeneficiaryFactory
from reintegration.models import Centre, User

pytestmark = pytest.mark.django_db


def test_generated_files_look_like_service_made_ones_and_numbering_continues(capsys):
    call_command("generate_beneficiaries", "--count", "40", "--seed", "3")
    assert Beneficiary.objects.count() == 40
    assert DetentionRecord.objects.count() == 40
    for person in Beneficiary.objects.all():
        assert person.search_text == services._search_text(person)
        keys = (person.name_key, person.name_key_ar)
        services._set_name_keys(person)
        assert keys == (person.name_key, person.name_key_ar) and all(keys)
    numbers = list(Beneficiary.objects.values_list("file_number", flat=True))
    assert len(set(numbers)) == 40
    cins = [c for c in Beneficiary.objects.values_list("cin", flat=True) if c]
    assert len(set(cins)) == len(cins)

    # A file opened afterwards through the interface takes the next number of its centre.
    centre = Centre.objects.get(code="TNG")
    counter = FileNumberCounter.objects.filter(centre=centre).order_by("-year").first()
    newcomer = BeneficiaryFactory(centre=centre, by=User.objects.get(username="coordinator"))
    if counter.year == newcomer.created_at.year:
        assert newcomer.file_number == f"TNG-{counter.year}-{counter.last + 1:04d}"
    assert Beneficiary.objects.filter(file_number=newcomer.file_number).count() == 1


def test_it_refuses_a_production_database(settings):
    settings.PRODUCTION = True
    with pytest.raises(Exception, match="production"):
        call_command("generate_beneficiaries", "--count", "1")
