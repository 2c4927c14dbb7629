"""The catalogue of partners' services: headquarters adds and edits services, everyone reads
them, and a service no longer offered can no longer be chosen for a referral."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from partners.models import Partner, PartnerService
from partners.partner_services import partner_service_save
from projects.referral_forms import ReferralForm
from projects.tests.referral_factories import make_service
from reintegration.models import AuditEntry
from reintegration.refusals import Refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def attawfiq(db):
    return Partner.objects.create(
        kind=Partner.Kind.MICROFINANCE, name_fr="Attawfiq Micro-Finance", name_ar="التوفيق"
    )


def test_headquarters_add_then_edit_a_service_through_the_pages(client, users, attawfiq):
    client.force_login(users["national"])
    url = reverse("partner_service_create")
    page = client.get(url)
    # Partner and kind start on the blank prompt.
    assert page.context["form"]["partner"].value() is None
    assert page.context["form"]["kind"].value() is None
    typed = {"partner": attawfiq.pk, "name_ar": "", "name_fr": "Microcrédit", "kind": ""}
    again = client.post(url, typed)
    assert set(again.context["form"].errors) == {"name_ar", "kind"}
    assert "Microcrédit" in again.content.decode()
    response = client.post(
        url, {**typed, "name_ar": "قرض صغير", "kind": "microcredit", "active": "on"}
    )
    assert response.status_code == 302
    service = PartnerService.objects.get()
    assert (service.partner, service.name_ar, service.kind, service.active) == (
        attawfiq,
        "قرض صغير",
        "microcredit",
        True,
    )
    edit = reverse("partner_service_edit", args=[service.pk])
    client.post(
        edit,
        {
            "partner": attawfiq.pk,
            "name_ar": "قرض صغير",
            "name_fr": "Microcrédit",
            "kind": "microcredit",
            "version": "1",
        },
    )
    service.refresh_from_db()
    assert (service.active, service.version) == (False, 2)
    entry = AuditEntry.objects.filter(action="partner.service_saved").order_by("pk").last()
    assert entry.changes == {"active": [True, False]}


def test_a_colleague_s_change_is_not_overwritten(users, attawfiq):
    service = make_service(partner=attawfiq)
    data = {
        "partner": attawfiq,
        "name_ar": "ورشة",
        "name_fr": "Atelier",
        "kind": "project_workshop",
        "active": True,
    }
    partner_service_save(service=service, by=users["national"], data=data, version=1)
    with pytest.raises(Refused):
        partner_service_save(service=service, by=users["national"], data=data, version=1)


def test_only_headquarters_may_change_the_catalogue(users, attawfiq):
    data = {"partner": attawfiq, "name_ar": "x", "name_fr": "x", "kind": "other", "active": True}
    with pytest.raises(Refused) as caught, translation.override("en"):
        partner_service_save(by=users["coordinator"], data=data)
    assert caught.value.message == "Only headquarters may change the partners' services."


def test_a_service_no_longer_offered_cannot_be_chosen_for_a_referral(attawfiq):
    offered = make_service(partner=attawfiq)
    make_service(partner=attawfiq, name_fr="Ancien atelier", active=False)
    field = ReferralForm().fields["service"]
    assert list(field.queryset) == [offered]


def test_the_list_reads_in_constant_queries(client, users, attawfiq):
    client.force_login(users["coordinator"])
    url = reverse("partner_service_list")

    def count():
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        return len(queries), page

    make_service(partner=attawfiq)
    count()  # the session's first save
    few, _ = count()
    for number in range(6):
        make_service(name_fr=f"Atelier {number}")
    many, page = count()
    assert many == few
    html = page.content.decode()
    assert html.count("<tr") == 8  # the header and seven services
    # Coordinators read, without the buttons to change.
    assert reverse("partner_service_create") not in html
