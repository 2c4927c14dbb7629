"""Partners' services, referrals and placements built through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from partners.models import Partner, PartnerService
from projects import placements, referrals
from projects.models import Placement, Referral


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def make_service(
    kind: str = PartnerService.Kind.JOB_SEARCH_WORKSHOP,
    *,
    partner: Partner | None = None,
    name_fr: str = "Atelier de recherche d'emploi",
    name_ar: str = "ورشة البحث عن الشغل",
    active: bool = True,
) -> PartnerService:
    partner = partner or Partner.objects.create(
        kind=Partner.Kind.EMPLOYMENT_AGENCY, name_fr="ANAPEC", name_ar="أنابيك"
    )
    return PartnerService.objects.create(
        partner=partner, kind=kind, name_fr=name_fr, name_ar=name_ar, active=active
    )


def refer(person, by, *, service=None, referred_on=None, request="Inscription à l'atelier"):
    return referrals.referral_create(
        beneficiary=person,
        service=service or make_service(),
        request=request,
        referred_on=referred_on or days_ago(40),
        by=by,
    )


def accepted(person, by, *, answered_on=None, **kwargs) -> Referral:
    referral = refer(person, by, **kwargs)
    return referrals.referral_answer(
        referral=referral,
        accepted=True,
        answered_on=answered_on or referral.referred_on + datetime.timedelta(days=3),
        by=by,
    )


def place(person, by, *, started_on=None, pay="3500.00", referral=None) -> Placement:
    return placements.placement_create(
        beneficiary=person,
        employer="Tanger Textile SARL",
        job="Couturier",
        started_on=started_on or days_ago(200),
        monthly_pay=Decimal(pay) if pay is not None else None,
        referral=referral,
        by=by,
    )
