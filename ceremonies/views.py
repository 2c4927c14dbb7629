import ipaddress
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ceremonies import certificates, permissions, services, verification
from ceremonies import jobs as ceremony_jobs
from ceremonies.forms import (
    CeremonyForm,
    HandoverForm,
    ProjectPickForm,
    ReasonForm,
    VerifyForm,
    item_formset,
)
from ceremonies.models import Ceremony, Certificate, Handover
from reintegration import access_log, jobs, ratelimit
from reintegration.access_log import Kind
from reintegration.concurrency import posted_version
from reintegration.confirmation import (
    Confirmation,
    code,
    codes,
    is_confirmed,
    pending,
    person_name,
)
from reintegration.formatting import format_mad, format_number, ltr
from reintegration.languages import follows_browser_language
from reintegration.network import client_ip
from reintegration.pagination import paginate
from reintegration.pdf import pdf_response, render_pdf
from reintegration.permissions import allow, requires
from reintegration.refusals import refusal_shown_on
from reintegration.scoping import get_visible_or_404


def _get_ceremony(request, pk) -> Ceremony:
    return get_visible_or_404(
        Ceremony.objects.select_related("centre", "province", "tranche__convention"),
        request.user,
        pk=pk,
    )


@requires(permissions.can_view_ceremonies)
def ceremony_list(request):
    ceremonies = (
        Ceremony.objects.visible_to(request.user)
        .select_related("centre", "province")
        .annotate(
            beneficiaries=Count("handovers"),
            women=Count("handovers", filter=Q(handovers__project__beneficiary__sex="F")),
            value=Sum("handovers__total"),
        )
        .order_by("-held_on", "-pk")
    )
    status = request.GET.get("status", "")
    if status in Ceremony.Status.values:
        ceremonies = ceremonies.filter(status=status)
    page = paginate(request, ceremonies)
    return render(
        request,
        "ceremonies/ceremony_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Ceremony.Status.choices,
            "can_create": permissions.can_create_ceremony(request.user),
        },
    )


def _save_ceremony(request, form, ceremony=None):
    with refusal_shown_on(form):
        return services.ceremony_save(
            by=request.user,
            data={**form.cleaned_data, "centre": form.cleaned_data.get("centre")},
            ceremony=ceremony,
            version=form.cleaned_data.get("version"),
        )
    return None


@requires(permissions.can_create_ceremony)
def ceremony_create(request):
    form = CeremonyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        ceremony = _save_ceremony(request, form)
        if ceremony:
            messages.success(request, _("Ceremony planned: now choose its beneficiaries."))
            return redirect("ceremony_projects", pk=ceremony.pk)
    return render(request, "ceremonies/ceremony_form.html", {"form": form})


@requires(permissions.can_view_ceremonies)
def ceremony_edit(request, pk):
    ceremony = _get_ceremony(request, pk)
    allow(permissions.can_prepare_ceremony, request.user, ceremony)
    form = CeremonyForm(request.POST or None, instance=ceremony, user=request.user)
    # The service reads the ceremony again under a lock; ``ceremony`` only says which one.
    if request.method == "POST" and form.is_valid() and _save_ceremony(request, form, ceremony):
        messages.success(request, _("The ceremony was saved."))
        return redirect("ceremony_detail", pk=ceremony.pk)
    return render(request, "ceremonies/ceremony_form.html", {"form": form, "ceremony": ceremony})


@requires(permissions.can_view_ceremonies)
def ceremony_detail(request, pk):
    ceremony = _get_ceremony(request, pk)
    user = request.user
    handovers = ceremony.handovers.select_related(
        "project__beneficiary", "project__trade"
    ).annotate(items_count=Count("items", distinct=True))
    current = {
        c.handover_id: c
        for c in Certificate.objects.filter(handover__ceremony=ceremony, status="current").only(
            "pk", "number", "handover_id", "code"
        )
    }
    cancelled = Certificate.objects.filter(handover__ceremony=ceremony, status="cancelled")
    rows = [(h, current.get(h.pk)) for h in handovers]
    can_print = permissions.can_print_certificates(user)
    return render(
        request,
        "ceremonies/ceremony_detail.html",
        {
            "ceremony": ceremony,
            "rows": rows,
            "totals": services.totals(ceremony),
            "cancelled": cancelled.select_related("replaced_by").order_by("number"),
            "conventions": ceremony.conventions.all(),
            "missing": sum(1 for _h, c in rows if c is None),
            "can_prepare": permissions.can_prepare_ceremony(user, ceremony),
            "can_edit_handover": permissions.can_edit_handover(user, ceremony),
            "can_hold": permissions.can_hold_ceremony(user, ceremony),
            "can_close": permissions.can_close_ceremony(user, ceremony),
            "can_issue": permissions.can_issue_certificates(user, ceremony),
            "can_correct": permissions.can_correct_certificates(user, ceremony),
            "can_print": can_print,
            "can_attendance": permissions.can_print_attendance(user),
            "can_remind": permissions.can_remind_ceremony(user, ceremony),
            "reason_form": ReasonForm(),
            "issuing": ceremony_jobs.issuing_shown(ceremony, user),
            "batch_direct": len(current) <= certificates.BATCH_DIRECT_MAX,
            "batch_job": ceremony_jobs.batch_shown(ceremony, user) if can_print else None,
            "verification": (
                verification.ceremony_rounds(ceremony)
                if ceremony.status in verification.DRAWABLE
                else None
            ),
        },
    )


@requires(permissions.can_view_ceremonies)
def ceremony_projects(request, pk):
    ceremony = _get_ceremony(request, pk)
    allow(permissions.can_prepare_ceremony, request.user, ceremony)
    eligible = services.eligible_projects(ceremony, request.user)
    form = ProjectPickForm(request.POST or None, queryset=eligible)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            added = services.ceremony_add_projects(
                ceremony=ceremony,
                by=request.user,
                project_ids=[p.pk for p in form.cleaned_data["projects"]],
            )
            messages.success(
                request,
                ngettext(
                    "%(count)s beneficiary added, with the approved equipment.",
                    "%(count)s beneficiaries added, with their approved equipment.",
                    added,
                )
                % {"count": ltr(added)},
            )
            return redirect("ceremony_detail", pk=ceremony.pk)
    return render(
        request,
        "ceremonies/ceremony_projects.html",
        {"ceremony": ceremony, "form": form, "eligible": eligible},
    )


def _get_handover(request, pk, handover_pk) -> tuple[Ceremony, Handover]:
    ceremony = _get_ceremony(request, pk)
    handover = get_object_or_404(
        ceremony.handovers.select_related("project__beneficiary", "project__trade"),
        pk=handover_pk,
    )
    return ceremony, handover


def _as_new_rows(data, prefix: str):
    """The rows of a page opened before a colleague recorded the handover. While the ceremony
    is planned a save replaces every item, so the items these rows were read from are gone:
    they go on as new rows, the service refuses the stale version and the page comes back with
    them as typed, ready to replace the colleague's list."""
    data = data.copy()
    data[f"{prefix}-INITIAL_FORMS"] = "0"
    for key in [key for key in data if key.startswith(f"{prefix}-") and key.endswith("-id")]:
        del data[key]
    return data


@requires(permissions.can_view_ceremonies)
def handover_edit(request, pk, handover_pk):
    ceremony, handover = _get_handover(request, pk, handover_pk)
    allow(permissions.can_edit_handover, request.user, ceremony)
    settled = ceremony.status != Ceremony.Status.PLANNED
    Formset = item_formset(settled=settled)
    data = request.POST if request.method == "POST" else None
    if data is not None and not settled and posted_version(data.get("version")) != handover.version:
        data = _as_new_rows(data, Formset.get_default_prefix())
    form = HandoverForm(
        data,
        settled=settled,
        initial={
            "cheque_amount": handover.cheque_amount,
            "cheque_number": handover.cheque_number,
            "version": handover.version,
        },
    )
    formset = Formset(
        data,
        instance=handover,
        queryset=handover.items.prefetch_related("serials"),
        form_kwargs={"settled": settled},
    )
    if data is not None and form.is_valid() and formset.is_valid():
        with refusal_shown_on(form):
            services.handover_save(
                handover=handover,
                by=request.user,
                items=[
                    {**f.cleaned_data, "id": f.instance.pk} for f in formset.forms if f.cleaned_data
                ],
                cheque_amount=form.cleaned_data.get("cheque_amount"),
                cheque_number=form.cleaned_data.get("cheque_number", ""),
                version=form.cleaned_data["version"],
            )
            messages.success(
                request,
                _("Handover of %(number)s recorded.")
                % {"number": handover.project.beneficiary.file_number},
            )
            return redirect("ceremony_detail", pk=ceremony.pk)
    return render(
        request,
        "ceremonies/handover_form.html",
        {
            "ceremony": ceremony,
            "handover": handover,
            "form": form,
            "formset": formset,
            "settled": settled,
            "committed": services.committed_for(handover.project),
        },
        status=400 if data is not None else 200,
    )


def _quantity(quantity: Decimal) -> str:
    whole = quantity == quantity.to_integral_value()
    return format_number(quantity, 0 if whole else 2)


def _remove_confirmation(ceremony: Ceremony, handover: Handover) -> Confirmation:
    person = handover.project.beneficiary
    items = list(handover.items.order_by("pk"))
    rows = [
        (f"{item.designation} × {code(_quantity(item.quantity))}", format_mad(item.total))
        for item in items
    ]
    if handover.cheque_amount:
        rows.append((_("Working-capital cheque"), format_mad(handover.cheque_amount)))
    return Confirmation(
        title=_("Remove %(name)s from this ceremony?") % {"name": person_name(person)},
        consequences=[
            _(
                "Removing %(name)s (%(number)s) from this ceremony deletes what was recorded "
                "for them, worth %(value)s in all:"
            )
            % {
                "name": person_name(person),
                "number": code(person.file_number),
                "value": format_mad(handover.total),
            },
            _(
                "Their project stays approved and its money stays committed: they can join "
                "another ceremony."
            ),
        ],
        rows=rows,
        confirm_label=_("Yes, remove from the ceremony"),
        cancel_url=reverse("ceremony_detail", args=[ceremony.pk]),
    )


@require_http_methods(["GET", "POST"])
@requires(permissions.can_view_ceremonies)
def handover_remove(request, pk, handover_pk):
    ceremony, handover = _get_handover(request, pk, handover_pk)
    allow(permissions.can_prepare_ceremony, request.user, ceremony)
    if page := pending(request, _remove_confirmation(ceremony, handover)):
        return page
    with refusal_shown_on(request):
        services.handover_remove(handover=handover, by=request.user)
        messages.success(
            request,
            _("%(number)s was removed from the ceremony.")
            % {"number": handover.project.beneficiary.file_number},
        )
    return redirect("ceremony_detail", pk=ceremony.pk)


def _hold_confirmation(ceremony: Ceremony) -> Confirmation:
    lines = []
    for row in services.hold_preview(ceremony):
        reference = code(row["convention"].reference)
        if row["disbursed"]:
            lines.append(
                ngettext(
                    "Marking this ceremony held moves %(amount)s from committed to disbursed "
                    "for %(count)s beneficiary on convention %(reference)s.",
                    "Marking this ceremony held moves %(amount)s from committed to disbursed "
                    "for %(count)s beneficiaries on convention %(reference)s.",
                    row["beneficiaries"],
                )
                % {
                    "amount": format_mad(row["disbursed"]),
                    "count": code(row["beneficiaries"]),
                    "reference": reference,
                }
            )
        if row["released"]:
            lines.append(
                _(
                    "%(amount)s approved but not handed over goes back to the envelope of "
                    "convention %(reference)s."
                )
                % {"amount": format_mad(row["released"]), "reference": reference}
            )
    if not lines:
        lines.append(_("Nothing moves on the conventions: no equipment is recorded yet."))
    lines.append(
        _(
            "The projects become equipped, their follow-up visits are scheduled and the values "
            "handed over can no longer be changed."
        )
    )
    return Confirmation(
        title=_("Mark this ceremony held?"),
        consequences=lines,
        confirm_label=_("Yes, mark it held"),
        cancel_url=reverse("ceremony_detail", args=[ceremony.pk]),
        destructive=False,
        refused=services.hold_refusal(ceremony) or "",
    )


ACTIONS = {
    "hold": (permissions.can_hold_ceremony, services.ceremony_hold),
    "close": (permissions.can_close_ceremony, services.ceremony_close),
}
# Actions that say what they will do before doing it (holding moves the money).
ASKS_FIRST = {"hold": _hold_confirmation}


@require_http_methods(["GET", "POST"])
@requires(permissions.can_view_ceremonies)
def ceremony_action(request, pk, action):
    if request.method == "GET" and action not in ASKS_FIRST:
        return HttpResponseNotAllowed(["POST"])
    ceremony = _get_ceremony(request, pk)
    check, service = ACTIONS[action]
    if action == "hold" and ceremony.status != Ceremony.Status.PLANNED:
        # A second click, or a colleague was faster: say so rather than refuse bluntly.
        messages.warning(
            request,
            _("This ceremony is already %(status)s.") % {"status": ceremony.get_status_display()},
        )
        return redirect("ceremony_detail", pk=ceremony.pk)
    allow(check, request.user, ceremony)
    if action in ASKS_FIRST and (page := pending(request, ASKS_FIRST[action](ceremony))):
        return page
    with refusal_shown_on(request):
        done = service(ceremony=ceremony, by=request.user)
        messages.success(
            request,
            _("Done: the ceremony is now %(status)s.") % {"status": done.get_status_display()},
        )
    return redirect("ceremony_detail", pk=ceremony.pk)


def _cancel_confirmation(ceremony: Ceremony, form: ReasonForm) -> Confirmation:
    handovers = list(
        ceremony.handovers.select_related("project__beneficiary").order_by(
            "project__beneficiary__file_number"
        )
    )
    if handovers:
        lines = [
            ngettext(
                "Cancelling this ceremony takes its %(count)s beneficiary off it (%(numbers)s), "
                "with what was recorded for them, worth %(value)s.",
                "Cancelling this ceremony takes its %(count)s beneficiaries off it "
                "(%(numbers)s), with what was recorded for them, worth %(value)s.",
                len(handovers),
            )
            % {
                "count": code(len(handovers)),
                "numbers": codes(h.project.beneficiary.file_number for h in handovers),
                "value": format_mad(sum((h.total for h in handovers), Decimal("0.00"))),
            },
            _(
                "Their projects stay approved and their money stays committed on the "
                "conventions: they can join another ceremony."
            ),
        ]
    else:
        lines = [_("This ceremony has no beneficiary: nothing moves.")]
    lines.append(_("A cancelled ceremony cannot be planned again."))
    return Confirmation(
        title=_("Cancel this ceremony?"),
        consequences=lines,
        confirm_label=_("Yes, cancel the ceremony"),
        cancel_url=reverse("ceremony_detail", args=[ceremony.pk]),
        form=form,
    )


@require_http_methods(["GET", "POST"])
@requires(permissions.can_view_ceremonies)
def ceremony_cancel(request, pk):
    ceremony = _get_ceremony(request, pk)
    allow(permissions.can_prepare_ceremony, request.user, ceremony)
    if is_confirmed(request):
        form = ReasonForm(request.POST)
        form.fields["reason"].error_messages["required"] = _("Say why the ceremony is cancelled.")
    else:
        # The reason typed on the ceremony page comes along, still editable.
        form = ReasonForm(initial={"reason": request.POST.get("reason", "")})
    if page := pending(request, _cancel_confirmation(ceremony, form)):
        return page
    with refusal_shown_on(request):
        services.ceremony_cancel(
            ceremony=ceremony, by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The ceremony was cancelled."))
    return redirect("ceremony_detail", pk=ceremony.pk)


@requires(permissions.can_view_ceremonies)
def ceremony_attendance(request, pk):
    ceremony = _get_ceremony(request, pk)
    allow(permissions.can_print_attendance, request.user)
    handovers = list(
        ceremony.handovers.select_related("project__beneficiary", "project__trade").order_by(
            "project__beneficiary__file_number"
        )
    )
    name = f"attendance-{ceremony.held_on.isoformat()}-{ceremony.pk}.pdf"
    # A list of people with their names and masked CIN: an export.
    access_log.record(Kind.EXPORT, by=request.user, reference=name, rows=len(handovers))
    pdf = render_pdf(
        "pdf/attendance.html",
        {
            "ceremony": ceremony,
            "handovers": handovers,
            "totals": services.totals(ceremony),
            "S": {k: certificates.bilingual(v) for k, v in certificates.SUMMARY_LABELS.items()},
            "L": {k: certificates.bilingual(v) for k, v in certificates.LABELS.items()},
        },
        language="ar",
    )
    return pdf_response(pdf, name, inline=True)


@require_POST
@requires(permissions.can_view_ceremonies)
def certificates_issue(request, pk):
    """Starts the issuing (or joins the one under way); the ceremony page shows its progress."""
    ceremony = _get_ceremony(request, pk)
    allow(permissions.can_issue_certificates, request.user, ceremony)
    jobs.job_start(
        ceremony_jobs.issue_certificates,
        key=ceremony_jobs.issue_key(ceremony),
        by=request.user,
        params={"ceremony": ceremony.pk},
    )
    return redirect("ceremony_detail", pk=ceremony.pk)


def _get_certificate(request, pk, certificate_pk) -> tuple[Ceremony, Certificate]:
    ceremony = _get_ceremony(request, pk)
    certificate = get_object_or_404(
        Certificate.objects.filter(handover__ceremony=ceremony), pk=certificate_pk
    )
    return ceremony, certificate


@requires(permissions.can_print_certificates)
def certificate_pdf(request, pk, certificate_pk):
    _ceremony, certificate = _get_certificate(request, pk, certificate_pk)
    allow(permissions.can_reprint_certificate, request.user, certificate)
    # Whose certificate it is, from the data it copied when issued: no query for the file.
    access_log.record(
        Kind.CERTIFICATE,
        by=request.user,
        file_number=certificate.snapshot["beneficiary"]["file_number"],
        reference=certificate.number,
    )
    # The stored bytes, exactly as issued: a reprint never renders again.
    return pdf_response(bytes(certificate.pdf), f"{certificate.number}.pdf", inline=True)


@require_POST
@requires(permissions.can_view_ceremonies)
def certificate_correct(request, pk, certificate_pk):
    ceremony, certificate = _get_certificate(request, pk, certificate_pk)
    allow(permissions.can_correct_certificates, request.user, ceremony)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the certificate is corrected."))
        return redirect("ceremony_detail", pk=ceremony.pk)
    with refusal_shown_on(request):
        new = certificates.certificate_correct(
            certificate=certificate,
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request,
            _("The certificate %(old)s was cancelled and replaced by %(new)s.")
            % {"old": certificate.number, "new": new.number},
        )
    return redirect("ceremony_detail", pk=ceremony.pk)


@never_cache  # personal data: no copy in a shared cache or the browser's
@requires(permissions.can_print_certificates)
def ceremony_batch(request, pk):
    """The PDF of all the certificates, made while the user waits: for a small ceremony only,
    a large one is prepared by a job (``ceremony_batch_prepare``)."""
    ceremony = _get_ceremony(request, pk)
    if refusal := certificates.batch_refusal(ceremony):
        messages.error(request, refusal)
        return redirect("ceremony_detail", pk=ceremony.pk)
    issued = Certificate.objects.filter(handover__ceremony=ceremony, status="current").count()
    if issued > certificates.BATCH_DIRECT_MAX:
        messages.info(
            request, _("Prepare the PDF of all certificates: it is too large to wait for.")
        )
        return redirect("ceremony_detail", pk=ceremony.pk)
    name = ceremony_jobs.batch_filename(ceremony)
    # Every current certificate of the ceremony, one person each: an export.
    access_log.record(Kind.EXPORT, by=request.user, reference=name, rows=issued)
    pdf = certificates.ceremony_batch(ceremony, services.totals(ceremony))
    return pdf_response(pdf, name, inline=True)


@require_POST
@requires(permissions.can_print_certificates)
def ceremony_batch_prepare(request, pk):
    """Starts preparing the PDF of all the certificates (or joins the one under way); the
    ceremony page shows its progress, then the link to download it. Asking for it is the
    export the access log records."""
    ceremony = _get_ceremony(request, pk)
    if refusal := certificates.batch_refusal(ceremony):
        messages.error(request, refusal)
    else:
        jobs.job_start(
            ceremony_jobs.certificates_batch,
            key=ceremony_jobs.batch_key(ceremony, request.user),
            by=request.user,
            params={"ceremony": ceremony.pk},
        )
        issued = Certificate.objects.filter(handover__ceremony=ceremony, status="current")
        access_log.record(
            Kind.EXPORT,
            by=request.user,
            reference=ceremony_jobs.batch_filename(ceremony),
            rows=issued.count(),
        )
    return redirect("ceremony_detail", pk=ceremony.pk)


# --- Public verification -------------------------------------------------------------------


def rate_bucket(address: str | None) -> str:
    """Whom a check counts against: an IPv4 address, or an IPv6 /64 network, since one
    connection commonly holds a whole /64 and could otherwise rotate addresses."""
    if not address:
        return "unknown"
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _too_many(request) -> bool:
    """A fixed window per client address, counted for all servers at once: enough for people
    checking papers, not for someone trying codes."""
    bucket = rate_bucket(client_ip(request))
    return not ratelimit.allow("verify", bucket, limit=settings.VERIFY_RATE_LIMIT)


@follows_browser_language
def certificate_verify(request, code=None):
    if request.GET.get("code") and code is None:
        wanted = certificates.normalise_code(request.GET["code"])
        if wanted:
            return redirect("certificate_verify", code=wanted)
    form = VerifyForm(initial={"code": code or ""})
    if code is None:
        return render(request, "ceremonies/verify.html", {"form": form})
    if _too_many(request):
        return render(
            request, "ceremonies/verify.html", {"form": form, "limited": True}, status=429
        )
    certificate = certificates.verify(code)
    return render(
        request,
        "ceremonies/verify.html",
        {
            "form": form,
            "checked": True,
            "certificate": certificate,
        },
        status=200 if certificate else 404,
    )
