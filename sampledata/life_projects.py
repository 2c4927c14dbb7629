"""Life projects in every state across several centres, moved through the real services so that
decisions, audit entries and visits are what a real history would leave."""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from beneficiaries.models import Beneficiary
from partners.models import Convention
from projects import services
from projects.models import LifeProject, Trade
from sampledata.handovers import add_lines, hand_over

# (designation, category, quantity, unit price) per trade code: equipment people actually buy.
KITS = {
    "sewing": [
        ("ماكينة خياطة صناعية", "equipment", 2, "6800.00"),
        ("ماكينة سورجي", "equipment", 1, "5400.00"),
        ("أقمشة وخيوط", "stock", 1, "4200.00"),
        ("مقصات وأدوات", "tools", 1, "850.50"),
    ],
    "hairdressing": [
        ("كرسي حلاقة هيدروليكي", "equipment", 2, "3900.00"),
        ("مرآة حائطية", "equipment", 2, "1200.00"),
        ("أدوات وآلات الحلاقة", "tools", 1, "3350.00"),
        ("مواد التجميل", "stock", 1, "2800.00"),
    ],
    "welding": [
        ("آلة تلحيم", "equipment", 1, "9800.00"),
        ("آلة قطع المعادن", "equipment", 1, "4500.00"),
        ("أدوات الحماية", "tools", 1, "1650.00"),
        ("قضبان ومعادن", "stock", 1, "6000.00"),
    ],
    "grocery": [
        ("ثلاجة عرض", "equipment", 1, "11500.00"),
        ("رفوف معدنية", "equipment", 4, "950.00"),
        ("ميزان إلكتروني", "tools", 1, "1450.00"),
        ("سلع أولية", "stock", 1, "12000.00"),
    ],
    "mechanics": [
        ("دراجة نارية ثلاثية العجلات", "vehicle", 1, "24500.00"),
        ("صندوق أدوات", "tools", 1, "3200.00"),
        ("رافعة هيدروليكية", "equipment", 1, "4800.00"),
    ],
    "catering": [
        ("فرن احترافي", "equipment", 1, "8900.00"),
        ("ثلاجة", "equipment", 1, "7600.00"),
        ("أواني المطبخ", "tools", 1, "3400.00"),
        ("رأس مال التشغيل", "working_capital", 1, "3000.00"),
    ],
}
TITLES = {
    "sewing": "ورشة خياطة",
    "hairdressing": "صالون حلاقة",
    "welding": "ورشة تلحيم",
    "grocery": "محل بقالة",
    "mechanics": "خدمة إصلاح الدراجات",
    "catering": "مطعم صغير",
}
# Where each demo history stops, and how far back its equipment was handed over (months).
PATHS = [
    ("draft", 0),
    ("submitted", 0),
    ("returned", 0),
    ("awaiting_national", 0),
    ("approved", 0),
    ("rejected", 0),
    ("funded", 0),
    ("equipped", 2),
    ("follow_up", 8),
    ("closed_active", 26),
    ("closed_failed", 13),
    ("follow_up", 14),
]


def _plan(trade: Trade) -> dict:
    return {
        "title": TITLES[trade.code],
        "trade": trade,
        "skills": "تجربة سابقة في الحرفة وتكوين داخل المؤسسة السجنية",
        "experience": "ثلاث سنوات من العمل في ورشة قبل الاعتقال",
        "needs": "معدات أساسية ورأس مال للانطلاق",
        "market_fit": "طلب محلي مرتفع في الحي وقلة المنافسة",
        "location": "الحي الذي يقطن فيه المستفيد",
        "expected_monthly_income": Decimal("4500.00"),
        "training_course": "تكوين في تدبير المقاولات الصغرى",
        "training_provider": "مركز المصاحبة وإعادة الإدماج",
        "training_completed": True,
    }


def _walk(project, stop, users, handover_months_ago, rng):
    coordinator, regional, national = users

    def approve(by, comment):
        # The final approval charges the budget to the province's committee convention.
        convention = (
            Convention.objects.covering(project.beneficiary.residence_province_id)
            .filter(reference__startswith="CPDH")
            .first()
        )
        services.project_approve(
            project=project,
            by=by,
            comment=comment,
            allocations=[(convention, project.requested_total)],
        )

    if stop == "draft":
        return
    services.project_submit(project=project, by=coordinator)
    if stop == "submitted":
        return
    if stop == "returned":
        services.project_return(
            project=project, by=regional, comment="يرجى إرفاق عرض أثمان ثان للمعدات."
        )
        return
    if stop == "rejected":
        services.project_reject(
            project=project, by=regional, comment="المشروع غير ملائم للسوق المحلية."
        )
        return
    approve(regional, "ملف مكتمل.")
    project.refresh_from_db()
    if project.status == "awaiting_national":
        if stop == "awaiting_national":
            return
        approve(national, "موافقة المصالح المركزية.")
    if stop == "approved":
        return
    services.project_fund(project=project, by=national)
    if stop == "funded":
        return
    handover = timezone.localdate() - datetime.timedelta(days=30 * handover_months_ago + 3)
    # The equipment is handed over at a ceremony, which disburses the money.
    hand_over(project, by=coordinator, holder=regional, held_on=handover)
    project.refresh_from_db()
    if stop == "equipped":
        return
    today = timezone.localdate()
    # Visits due in the last ten weeks are left undone: the overdue list has something to show.
    for visit in project.visits.filter(due_on__lte=today - datetime.timedelta(days=70)):
        active = stop != "closed_failed" or visit.milestone_months < 12
        services.visit_record(
            visit=visit,
            by=coordinator,
            data={
                "done_on": visit.due_on + datetime.timedelta(days=rng.randint(0, 12)),
                "kind": rng.choice(["home", "workplace", "phone"]),
                "business_active": active,
                "monthly_income": Decimal(rng.randint(25, 70) * 100) if active else Decimal("0"),
                "jobs_created": rng.randint(0, 2) if active else 0,
                "equipment_in_use": active,
                "difficulties": "" if active else "صعوبات في التزود بالمواد الأولية",
            },
        )
    if stop.startswith("closed"):
        outcome = "active" if stop == "closed_active" else "failed"
        services.project_close(
            project=project,
            by=coordinator,
            outcome=outcome,
            exit_reason="completed" if outcome == "active" else "business_failed",
            reason="نهاية فترة التتبع",
        )


def seed(**context) -> dict:
    if LifeProject.objects.exists():
        return {}
    users = {u.username: u for u in context["users"]}
    national = users["national"]
    rng = random.Random(7)  # noqa: S311 (reproducible demo data, not security)
    trades = list(Trade.objects.filter(code__in=KITS))
    for code, centre in context["centres"].items():
        coordinator = (
            users["coordinator"]
            if code == "TNG"
            else users["coordinator.casa"]
            if code == "CAS"
            else national
        )
        # Only Tanger has demo regional staff; elsewhere headquarters decides within its ceiling.
        regional = users["regional"] if code == "TNG" else national
        people = Beneficiary.objects.filter(centre=centre).order_by("pk")
        paths = PATHS if code in ("TNG", "CAS") else PATHS[::3]
        for person, (path_stop, months) in zip(people, paths, strict=False):
            # Without regional staff there is no first level to pass on to headquarters.
            stop = (
                "approved"
                if regional == national and path_stop == "awaiting_national"
                else path_stop
            )
            trade = rng.choice(trades)
            project = services.project_create(beneficiary=person, by=coordinator, data=_plan(trade))
            kit = KITS[trade.code]
            if stop == "awaiting_national":
                kit = [*kit, ("معدات إضافية", "equipment", 1, "28000.00")]
            add_lines(project, by=coordinator, lines=kit, supplier="مورد محلي")
            if project.over_ceiling:
                services.project_update(
                    project=project,
                    by=coordinator,
                    version=project.version,
                    data={"ceiling_justification": "معدات إضافية ضرورية لنشاط الورشة."},
                )
            _walk(project, stop, (coordinator, regional, national), months, rng)
    return {}
