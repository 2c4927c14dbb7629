"""Partners' services, referrals in every state and placements in employment.

The catalogue: ANAPEC's job-search workshops and counsellors, Attawfiq Micro-Finance's
project-building workshops and microcredit, OFPPT's vocational training, and jobs offered by
employers ("entreprises citoyennes"), plus one workshop no longer offered. Tanger's files
without a life project are referred to them: waiting for an answer (one for over two weeks,
which makes a task), declined, accepted without an outcome yet (one for over a month, a task
too), and achieved, partly achieved or not achieved. Jobs: people in follow-up placed through
an employer's offer and asked at their follow-up visits whether they still hold the job (one
still employed at 6 and 12 months, one who left it after the 6-month visit); one person
without a project, checked by phone at 6 and 12 months; one placement too recent to check.
Idempotent; dates follow today, so the tasks stay due."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from beneficiaries.models import Beneficiary
from partners.models import Partner, PartnerService
from projects import placements, referrals
from projects.models import FollowUpVisit, LifeProject, Referral, Status

Kind = PartnerService.Kind

# partner key, kind, Arabic name, French name, offered
SERVICES = [
    ("anapec", Kind.JOB_SEARCH_WORKSHOP, "ورشة تقنيات البحث عن الشغل",
     "Atelier de techniques de recherche d'emploi", True),
    ("anapec", Kind.COUNSELLING, "مواكبة من طرف مستشار في التشغيل",
     "Accompagnement par un conseiller en emploi", True),
    ("anapec", Kind.JOB_SEARCH_WORKSHOP, "ورشة التشغيل الذاتي (دورة 2024)",
     "Atelier auto-emploi (session 2024)", False),
    ("attawfiq", Kind.PROJECT_WORKSHOP, "ورشة إعداد المشروع المدر للدخل",
     "Atelier de montage de projet générateur de revenus", True),
    ("attawfiq", Kind.MICROCREDIT, "قرض صغير لتمويل نشاط مدر للدخل",
     "Microcrédit pour une activité génératrice de revenus", True),
    ("ofppt", Kind.VOCATIONAL_TRAINING, "تكوين تأهيلي في اللحام",
     "Formation qualifiante en soudure", True),
    ("ofppt", Kind.VOCATIONAL_TRAINING, "تكوين تأهيلي في الطبخ",
     "Formation qualifiante en cuisine", True),
    ("confection", Kind.EMPLOYMENT, "عرض شغل: عامل في وحدة الخياطة",
     "Offre d'emploi : ouvrier en atelier de confection", True),
    ("logistics", Kind.EMPLOYMENT, "عرض شغل: عامل في المخزن",
     "Offre d'emploi : manutentionnaire en entrepôt", True),
]  # fmt: skip

PARTNERS = {
    "attawfiq": (
        Partner.Kind.MICROFINANCE,
        "مؤسسة التوفيق للقروض الصغرى",
        "Attawfiq Micro-Finance",
    ),
    "ofppt": (
        Partner.Kind.MINISTRY,
        "مكتب التكوين المهني وإنعاش الشغل",
        "Office de la formation professionnelle et de la promotion du travail (OFPPT)",
    ),
    "confection": (Partner.Kind.COMPANY, "شركة خياطة الشمال", "Confection du Nord SARL"),
    "logistics": (Partner.Kind.COMPANY, "شركة طنجة للوجستيك", "Tanger Logistique SA"),
}

ASKED = {
    Kind.JOB_SEARCH_WORKSHOP: "التسجيل في ورشة إعداد السيرة الذاتية والتحضير لمقابلات التشغيل.",
    Kind.COUNSELLING: "Entretien avec un conseiller pour un emploi salarié dans le textile.",
    Kind.PROJECT_WORKSHOP: "المشاركة في ورشة إعداد دراسة الجدوى لمشروع بقالة.",
    Kind.MICROCREDIT: "Étude d'un microcrédit de 15 000 DH pour compléter le fonds de roulement.",
    Kind.VOCATIONAL_TRAINING: "التسجيل في الدورة التكوينية المقبلة.",
    Kind.EMPLOYMENT: "Candidature au poste proposé ; disponible immédiatement.",
}


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def _catalogue() -> dict[str, list[PartnerService]]:
    partners = {"anapec": Partner.objects.filter(name_fr__contains="ANAPEC").first()}
    for key, (kind, name_ar, name_fr) in PARTNERS.items():
        partners[key] = Partner.objects.create(kind=kind, name_ar=name_ar, name_fr=name_fr)
    if partners["anapec"] is None:
        partners["anapec"] = Partner.objects.create(
            kind=Partner.Kind.EMPLOYMENT_AGENCY,
            name_ar="الوكالة الوطنية لإنعاش التشغيل والكفاءات",
            name_fr="Agence nationale de promotion de l'emploi et des compétences (ANAPEC)",
        )
    by_kind: dict[str, list[PartnerService]] = {}
    for key, kind, name_ar, name_fr, offered in SERVICES:
        service = PartnerService.objects.create(
            partner=partners[key], kind=kind, name_ar=name_ar, name_fr=name_fr, active=offered
        )
        if offered:
            by_kind.setdefault(kind, []).append(service)
    return by_kind


def _refer(person, service, by, referred, answer=None, outcome=None, comment=""):
    """A referral made ``referred`` days ago; ``answer`` (accepted?, days after the referral);
    ``outcome`` (outcome, days after the answer)."""
    referral = referrals.referral_create(
        beneficiary=person,
        service=service,
        request=ASKED[service.kind],
        referred_on=days_ago(referred),
        by=by,
    )
    if answer is not None:
        accepted, after = answer
        referral = referrals.referral_answer(
            referral=referral,
            accepted=accepted,
            answered_on=referral.referred_on + datetime.timedelta(days=after),
            by=by,
        )
    if outcome is not None:
        result, after = outcome
        referral = referrals.referral_outcome(
            referral=referral,
            outcome=result,
            comment=comment,
            outcome_on=days_ago(referred) + datetime.timedelta(days=answer[1] + after),
            by=by,
        )
    return referral


def _checked_at_visits(project, service, by, *, employer, job, still_at_12: bool) -> None:
    """Placed through an employer's offer soon after the handover, and asked at each visit
    recorded since whether they still hold the job."""
    person = project.beneficiary
    visits = list(project.visits.filter(done_on__isnull=False).order_by("done_on"))
    first = visits[0].done_on
    start = (project.handover_date or first) + datetime.timedelta(days=10)
    referral = _refer(
        person,
        service,
        by,
        (timezone.localdate() - start).days + 12,
        answer=(True, 4),
        outcome=(Referral.Outcome.ACHIEVED, 6),
        comment="Embauché après un entretien chez l'employeur.",
    )
    placement = placements.placement_create(
        beneficiary=person,
        employer=employer,
        job=job,
        started_on=min(start, first),
        monthly_pay=Decimal("2970.00"),
        referral=referral,
        by=by,
    )
    left_on = None
    for visit in visits:
        months = (visit.done_on - placement.started_on).days // 30
        employed = still_at_12 or months < 9
        if not employed and left_on is None:
            left_on = visit.done_on - datetime.timedelta(days=45)
        pay = Decimal("2970.00") + Decimal(100 * (months // 6)) if employed else None
        placements.visit_checks_record(
            visit=visit,
            by=by,
            answers={placement.pk: placements.Answer(employed=employed, monthly_pay=pay)},
        )
    if left_on is not None:
        placements.placement_end(placement=placement, ended_on=left_on, by=by)


def seed(**context) -> dict:
    if PartnerService.objects.exists():
        return {}
    users = {u.username: u for u in context["users"]}
    samira, youssef = users["coordinator"], users["coordinator.casa"]
    tanger = context["centres"]["TNG"]
    services = _catalogue()
    workshop, counsellor = services[Kind.JOB_SEARCH_WORKSHOP][0], services[Kind.COUNSELLING][0]
    project_workshop, microcredit = (
        services[Kind.PROJECT_WORKSHOP][0],
        services[Kind.MICROCREDIT][0],
    )
    welding, cooking = services[Kind.VOCATIONAL_TRAINING]
    confection, logistics = services[Kind.EMPLOYMENT]

    quiet = list(
        Beneficiary.objects.filter(
            centre=tanger, projects__isnull=True, archived_at__isnull=True
        ).order_by("pk")
    )
    # Referrals in every state, two or three per person, the oldest first.
    plans = [
        [(workshop, 5, None, None, "")],
        [(counsellor, 20, None, None, "")],
        [(project_workshop, 60, (False, 6), None, "")],
        [(microcredit, 12, (True, 4), None, "")],
        [
            (workshop, 90, (True, 3), (Referral.Outcome.ACHIEVED, 14), "حضر جميع الحصص."),
            (cooking, 50, (True, 10), None, ""),
        ],
        [
            (welding, 120, (True, 7), (Referral.Outcome.PARTLY, 60),
             "A suivi la moitié de la formation, reprise prévue en janvier."),
        ],
        [
            (project_workshop, 150, (True, 5), (Referral.Outcome.NOT_ACHIEVED, 30),
             "Ne s'est pas présenté aux séances malgré deux rappels."),
            (microcredit, 45, (False, 9), None, ""),
        ],
    ]  # fmt: skip
    for person, plan in zip(quiet, plans, strict=False):
        for service, referred, answer, outcome, comment in plan:
            _refer(person, service, samira, referred, answer, outcome, comment)

    # A person without a project, placed in a warehouse job a year ago through ANAPEC's
    # counsellor, checked by phone at 6 and 12 months.
    if len(quiet) > len(plans):
        person = quiet[len(plans)]
        referral = _refer(
            person, counsellor, samira, 400, (True, 5), (Referral.Outcome.ACHIEVED, 20)
        )
        job = placements.placement_create(
            beneficiary=person,
            employer="Tanger Logistique SA",
            job="Manutentionnaire",
            started_on=days_ago(370),
            monthly_pay=Decimal("3100.00"),
            referral=referral,
            by=samira,
        )
        for months, pay in ((6, "3100.00"), (12, "3350.00")):
            placements.placement_check(
                placement=job,
                checked_on=job.started_on + datetime.timedelta(days=30 * months + 2),
                answer=placements.Answer(employed=True, monthly_pay=Decimal(pay)),
                by=samira,
            )
    # Placed last week: nothing to check yet.
    if len(quiet) > len(plans) + 1:
        person = quiet[len(plans) + 1]
        referral = _refer(person, logistics, samira, 30, (True, 7), (Referral.Outcome.ACHIEVED, 12))
        placements.placement_create(
            beneficiary=person,
            employer="Tanger Logistique SA",
            job="Préparateur de commandes",
            started_on=days_ago(6),
            monthly_pay=Decimal("3000.00"),
            referral=referral,
            by=samira,
        )

    # People followed after their handover, with the 6- and 12-month visits recorded: placed
    # in a part-time job through an employer's offer, asked at each visit. In Tanger still
    # employed at 12 months; in Casablanca, gone before the 12-month visit.
    done = FollowUpVisit.objects.filter(done_on__isnull=False, milestone_months=12)
    for code, coordinator, still in (("TNG", samira, True), ("CAS", youssef, False)):
        project = (
            LifeProject.objects.filter(
                beneficiary__centre=context["centres"][code],
                status__in=[Status.FOLLOW_UP, Status.CLOSED],
                visits__in=done,
            )
            .select_related("beneficiary")
            .order_by("pk")
            .first()
        )
        if project is not None:
            _checked_at_visits(
                project,
                confection,
                coordinator,
                employer="Confection du Nord SARL",
                job="Ouvrier en confection (temps partiel)",
                still_at_12=still,
            )
    return {}
