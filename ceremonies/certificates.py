"""Handover certificates: issued once from a copy of the data they show, rendered once, stored
with their SHA-256, reprinted byte for byte, corrected only by cancelling and issuing anew."""

from __future__ import annotations

import datetime
import hashlib
import io
import secrets
from decimal import Decimal
from typing import Any

import pikepdf
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries import hooks
from ceremonies import certificate_pdf, permissions
from ceremonies import services as ceremonies
from ceremonies.models import Ceremony, Certificate, CertificateCounter, Handover, HandoverQuerySet
from ceremonies.words import amount_in_arabic, amount_in_french
from reintegration import audit
from reintegration.formatting import format_date, format_mad, format_number, format_quantity
from reintegration.jobs import Progress
from reintegration.models import User
from reintegration.pdf import DOCUMENT_LANGUAGES, bilingual, render_pdf
from reintegration.refusals import Refused

# Unambiguous when read aloud or typed from paper: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
LANGUAGES = DOCUMENT_LANGUAGES

# Every fixed text of a certificate, printed in Arabic and in French.
LABELS = {
    "kingdom": gettext_lazy("Kingdom of Morocco"),
    "foundation": gettext_lazy("Mohammed VI Foundation for the Reintegration of Prisoners"),
    "title": gettext_lazy("Equipment handover certificate"),
    "number": gettext_lazy("Certificate no."),
    "date_place": gettext_lazy("Date and place"),
    "presided": gettext_lazy("Presided by"),
    "convention": gettext_lazy("Convention"),
    "programme": gettext_lazy("INDH programme"),
    "tranche": gettext_lazy("Tranche"),
    "beneficiary": gettext_lazy("Beneficiary"),
    "file_number": gettext_lazy("File number"),
    "cin": gettext_lazy("CIN"),
    "residence": gettext_lazy("Residence"),
    "project": gettext_lazy("Project"),
    "trade": gettext_lazy("Trade"),
    "equipment": gettext_lazy("List of the equipment handed over"),
    "designation": gettext_lazy("Designation"),
    "brand": gettext_lazy("Brand or model"),
    "serial": gettext_lazy("Serial number"),
    "quantity": gettext_lazy("Quantity"),
    "unit_value": gettext_lazy("Unit value"),
    "line_total": gettext_lazy("Total"),
    "cheque": gettext_lazy("Working-capital cheque"),
    "cheque_number": gettext_lazy("cheque no."),
    "total": gettext_lazy("Total value handed over"),
    "in_words": gettext_lazy("In words"),
    "undertakings": gettext_lazy("Undertakings of the beneficiary"),
    "undertaking_use": gettext_lazy(
        "I undertake to use the equipment received for the project described above."
    ),
    "undertaking_keep": gettext_lazy(
        "I undertake not to sell, lend or transfer this equipment during the follow-up period."
    ),
    "undertaking_visits": gettext_lazy(
        "I accept the follow-up visits of the centre and will report any difficulty."
    ),
    "signatures": gettext_lazy("Signatures"),
    "sign_beneficiary": gettext_lazy("The beneficiary (signature or thumbprint)"),
    "sign_coordinator": gettext_lazy("The centre coordinator"),
    "sign_authority": gettext_lazy("The presiding authority"),
    "verify": gettext_lazy("Check this certificate at"),
    "code": gettext_lazy("verification code"),
    "issued": gettext_lazy("Issued on"),
}


def initials(*names: str) -> str:
    return " ".join(f"{name.strip()[0].upper()}." for name in names if name and name.strip())


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def verification_url(code: str) -> str:
    return settings.PUBLIC_URL + reverse("certificate_verify", kwargs={"code": code})


def _both(instance: Any, field: str = "name") -> dict[str, str]:
    if instance is None:
        return {"ar": "", "fr": ""}
    return {"ar": getattr(instance, f"{field}_ar"), "fr": getattr(instance, f"{field}_fr")}


def _money(amount: Decimal) -> dict[str, str]:
    return {language: format_mad(amount, language) for language in LANGUAGES}


def build_snapshot(
    handover: Handover, *, number: str, code: str, issued_on: datetime.date
) -> dict[str, Any]:
    """Everything the certificate shows, as text, copied now: later changes to the file, the
    project or the ceremony never reach an issued certificate."""
    ceremony = handover.ceremony
    project = handover.project
    person = project.beneficiary
    conventions = [
        {
            "reference": c.reference,
            "title": c.title,
            "title_ar": c.title_for("ar"),
            "signed_on": {
                language: format_date(c.signed_on, language, "short") for language in LANGUAGES
            }
            if c.signed_on
            else None,
            "programme": _both(c.programme),
        }
        for c in ceremony.conventions.filter(
            allocations__project=project, allocations__released_at__isnull=True
        )
        .select_related("programme")
        .distinct()
        .order_by("reference")
    ]
    authority = {}
    for language in LANGUAGES:
        with translation.override(language):
            authority[language] = ceremony.authority_label
    items = [
        {
            "designation": item.designation,
            "brand": item.brand,
            # One per unit. Certificates issued before had "serial", one per line: they are
            # never rendered again (reprints are their stored bytes), and the template still
            # reads them.
            "serials": [unit.serial for unit in item.serials.all()],
            "quantity": format_quantity(item.quantity),
            "unit_value": format_number(item.unit_value),
            "total": format_number(item.total),
        }
        for item in handover.items.all()
    ]
    return {
        "number": number,
        "code": code,
        "code_display": format_code(code),
        "verify_url": verification_url(code),
        "issued_on": {language: format_date(issued_on, language) for language in LANGUAGES},
        "held_on": {language: format_date(ceremony.held_on, language) for language in LANGUAGES},
        "held_on_iso": ceremony.held_on.isoformat(),
        "place": ceremony.place,
        "centre": _both(ceremony.centre),
        "province": _both(ceremony.province),
        "province_code": ceremony.province.code,
        "presided_by": ceremony.presided_by,
        "authority": authority,
        "conventions": conventions,
        "tranche": ceremony.tranche.number if ceremony.tranche else None,
        "beneficiary": {
            "file_number": person.file_number,
            "name_ar": f"{person.first_name_ar} {person.last_name_ar}",
            "name_latin": f"{person.first_name_latin} {person.last_name_latin}",
            "initials": initials(person.first_name_latin, person.last_name_latin),
            "cin": person.masked_cin,
            "commune": person.commune,
            "residence": _both(person.residence_province),
        },
        "project": {
            "title": project.title,
            "trade": _both(project.trade),
            "sector": _both(project.trade.sector if project.trade else None),
        },
        "items": items,
        "cheque": {
            "amount": _money(handover.cheque_amount),
            "number": handover.cheque_number,
        }
        if handover.cheque_amount
        else None,
        "total": str(handover.total),
        "total_text": _money(handover.total),
        "words": {"ar": amount_in_arabic(handover.total), "fr": amount_in_french(handover.total)},
    }


def render_certificate(snapshot: dict) -> bytes:
    """The certificate's PDF, drawn by ``ceremonies.certificate_pdf`` (not laid out by
    WeasyPrint: see docs/benchmarks.md, "Handover certificates")."""
    return certificate_pdf.render(snapshot, {key: bilingual(text) for key, text in LABELS.items()})


def _next_number(year: int) -> str:
    # The row stays locked until the certificate's transaction ends: the value read is the
    # latest committed one and no other issuer can move it meanwhile, so adding one here is
    # as safe as an UPDATE with F() and spares reading the row again.
    counter, _created = CertificateCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"PV-{year}-{counter.last:05d}"


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        if not Certificate.objects.filter(code=code).exists():
            return code


def _issue(handover: Handover, by: User) -> Certificate:
    problem = ceremonies.incomplete_serials(handover)
    if problem:
        # A certificate listing one serial for two machines leaves the second untraceable.
        raise Refused(
            _("The certificate of %(number)s was not issued. %(problem)s")
            % {"number": handover.project.beneficiary.file_number, "problem": problem}
        )
    issued_on = timezone.localdate()
    number = _next_number(issued_on.year)
    code = _new_code()
    snapshot = build_snapshot(handover, number=number, code=code, issued_on=issued_on)
    pdf = render_certificate(snapshot)
    return Certificate.objects.create(
        handover=handover,
        number=number,
        code=code,
        snapshot=snapshot,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        issued_by=by,
    )


def _lock_held(ceremony: Ceremony, statuses: tuple[str, ...] = (Ceremony.Status.HELD,)) -> Ceremony:
    locked = Ceremony.objects.select_for_update().get(pk=ceremony.pk)
    if locked.status not in statuses:
        raise Refused(
            _("Certificates are issued once the ceremony is held; it is %(status)s.")
            % {"status": locked.get_status_display()}
        )
    return locked


def _handovers(ceremony: Ceremony) -> HandoverQuerySet:
    return ceremony.handovers.select_related(
        "ceremony__centre",
        "ceremony__province",
        "ceremony__tranche",
        "project__trade__sector",
        "project__beneficiary__residence_province",
    ).prefetch_related("items__serials")


def certificates_issue(
    *, ceremony: Ceremony, by: User, progress: Progress | None = None
) -> list[Certificate]:
    """Issue the certificate of every handover of a held ceremony that has none yet.

    Each certificate is its own short transaction (number, rendering, storage), so that a
    ceremony of sixty people never holds the number counter, or SQLite's one writer, for the
    time of sixty renderings; a second click finds the certificates already there. A job runs
    it (``ceremonies.jobs.issue_certificates``) and follows it through ``progress``."""
    issued = []
    missing = list(_handovers(ceremony).without_certificate().values_list("pk", flat=True))
    if progress:
        progress(0, len(missing))
    people = []
    try:
        for done, handover_id in enumerate(missing, start=1):
            with transaction.atomic():
                locked = _lock_held(ceremony)
                if not permissions.can_issue_certificates(by, locked):
                    raise Refused(_("Your role does not allow issuing certificates."))
                handover = _handovers(locked).without_certificate().filter(pk=handover_id).first()
                if handover is not None:  # unless a colleague's click issued it meanwhile
                    certificate = _issue(handover, by)
                    audit.record("certificate.issued", actor=by, target=certificate)
                    issued.append(certificate)
                    people.append(handover.project.beneficiary_id)
            if progress:
                progress(done, len(missing))
    finally:
        # The files' tasks are synced once for the ceremony, after the last certificate (and
        # after a refusal, for those issued before it): one sync per certificate cost eleven
        # queries each, a third of what issuing costs besides the PDF's layout.
        hooks.files_changed(people)
    if not issued:
        with transaction.atomic():
            _lock_held(ceremony)  # says why when the ceremony is not held
    return issued


@transaction.atomic
def certificate_correct(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    """Cancel a certificate and issue its replacement, with a new number, from today's data."""
    reason = reason.strip()
    if not reason:
        raise Refused(_("Say why the certificate is corrected."))
    ceremony = _lock_held(
        certificate.handover.ceremony, statuses=(Ceremony.Status.HELD, Ceremony.Status.CLOSED)
    )
    if not permissions.can_correct_certificates(by, ceremony):
        raise Refused(_("Your role does not allow correcting certificates."))
    old = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not old.is_current:
        raise Refused(
            _("The certificate %(number)s was already cancelled.") % {"number": old.number}
        )
    old.status = Certificate.Status.CANCELLED
    old.cancelled_at = timezone.now()
    old.cancelled_by = by
    old.cancel_reason = reason
    old.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    new = _issue(_handovers(old.handover.ceremony).get(pk=old.handover_id), by)
    old.replaced_by = new
    old.save(update_fields=["replaced_by"])
    audit.record(
        "certificate.cancelled",
        actor=by,
        target=old,
        changes={"reason": reason, "replaced_by": new.number},
    )
    audit.record("certificate.issued", actor=by, target=new)
    return new


# Up to this many certificates, the PDF of all of them is made while the user waits (about a
# second); above it a job prepares it (``ceremonies.jobs.certificates_batch``).
BATCH_DIRECT_MAX = 20


def batch_refusal(ceremony: Ceremony) -> str | None:
    """Why the ceremony has no certificates to print together, or None."""
    if ceremony.status not in (Ceremony.Status.HELD, Ceremony.Status.CLOSED):
        return _("Certificates exist once the ceremony is held.")
    if not _current(ceremony).exists():
        return _("No certificate has been issued for this ceremony yet.")
    return None


def _current(ceremony: Ceremony) -> QuerySet[Certificate]:
    return Certificate.objects.filter(handover__ceremony=ceremony, status="current")


def ceremony_batch(ceremony: Ceremony, totals: dict, progress: Progress | None = None) -> bytes:
    """One PDF for printing: a summary page with the ceremony's totals, then the current
    certificates exactly as issued (their stored bytes, not a new rendering). ``progress``
    counts the summary as one step and each certificate as one."""
    certificates = list(_current(ceremony).order_by("number").only("pdf", "number"))
    steps = 1 + len(certificates)
    if progress:
        progress(0, steps)
    summary = render_pdf(
        "pdf/ceremony_summary.html",
        {
            "ceremony": ceremony,
            "totals": totals,
            "certificates": certificates,
            "L": {key: bilingual(text) for key, text in LABELS.items()},
            "S": {key: bilingual(text) for key, text in SUMMARY_LABELS.items()},
        },
        language="ar",
    )
    if progress:
        progress(1, steps)
    # qpdf (through pikepdf) copies the pages as they are, ten times faster than pypdf.
    batch = pikepdf.Pdf.open(io.BytesIO(summary))
    for done, certificate in enumerate(certificates, start=2):
        batch.pages.extend(pikepdf.Pdf.open(io.BytesIO(bytes(certificate.pdf))).pages)
        if progress:
            progress(done, steps)
    output = io.BytesIO()
    batch.save(output)
    return output.getvalue()


SUMMARY_LABELS = {
    "title": gettext_lazy("Equipment handover ceremony"),
    "beneficiaries": gettext_lazy("Beneficiaries"),
    "women": gettext_lazy("of whom women"),
    "value": gettext_lazy("Total value handed over"),
    "trades": gettext_lazy("Trades"),
    "certificates": gettext_lazy("Certificates in this file"),
    "attendees": gettext_lazy("Officials and partners present"),
    "attendance": gettext_lazy("Attendance and receipt sheet"),
    "signature": gettext_lazy("Signature or thumbprint"),
    "received": gettext_lazy("Value to receive"),
}


def verify(code: str) -> Certificate | None:
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return None
    return (
        Certificate.objects.filter(code=code)
        .select_related("replaced_by")
        .only(
            "number",
            "code",
            "status",
            "snapshot",
            "issued_at",
            "cancelled_at",
            "replaced_by__number",
            "replaced_by__code",
        )
        .first()
    )
