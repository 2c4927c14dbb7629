import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from beneficiaries import (
    assessments,
    exporting,
    hooks,
    import_template,
    importing,
    permissions,
    selectors,
    services,
    texting,
)
from beneficiaries import jobs as import_jobs
from beneficiaries.access_request import sections as access_request_sections
from beneficiaries.forms import (
    ArchiveForm,
    BeneficiaryForm,
    ConsentForm,
    DetentionRecordForm,
    DocumentForm,
    SearchForm,
)
from beneficiaries.models import (
    Beneficiary,
    Consent,
    DetentionRecord,
    Document,
    NeedsAssessment,
    TextMessage,
)
from reintegration import access_log, audit
from reintegration.access_log import Kind
from reintegration.confirmation import Confirmation, code, is_confirmed, pending, person_name
from reintegration.forms import blank_fields
from reintegration.models import AuditEntry, Centre, Job, Role, User
from reintegration.pagination import paginate
from reintegration.pdf import pdf_response, render_pdf
from reintegration.permissions import allow, requires
from reintegration.refusals import refusal_shown_on
from reintegration.scoping import get_visible_or_404

# Counts of at least this many files are kept this long (see _file_count).
CACHED_COUNT = 10_000
CACHED_COUNT_SECONDS = 60


def _get_beneficiary(
    request, pk, *, detention_flag: bool = False, section_flags: bool = False
) -> Beneficiary:
    """The file in the user's scope (404 outside it). ``detention_flag`` adds
    ``has_detention``, read in the same query, so that the file page can offer to show a
    record without reading it; ``section_flags`` adds whether each section of the file page
    has anything to show (``_section_flags``)."""
    files = Beneficiary.objects.select_related(
        "centre", "track", "residence_province", "sms_consent_by", "referent"
    )
    if detention_flag:
        files = files.annotate(
            has_detention=Exists(DetentionRecord.objects.filter(beneficiary=OuterRef("pk")))
        )
    if section_flags:
        files = files.annotate(**_section_flags(request.user))
    return get_visible_or_404(files, request.user, pk=pk)


def _section_flags(user: User) -> dict[str, Exists]:
    """Whether the file has consents, text messages, needs assessments, and what the apps above
    ask (``hooks.FILE_PAGE_FLAGS``): read with the file, they spare an empty section its own
    query (a new file has none of them)."""
    sections = {
        "has_consents": Consent.objects.all(),
        "has_text_messages": TextMessage.objects.all(),
        "has_assessments": NeedsAssessment.objects.all(),
    }
    for flags in hooks.FILE_PAGE_FLAGS:
        sections.update(flags(user))
    return {
        name: Exists(rows.filter(beneficiary=OuterRef("pk"))) for name, rows in sections.items()
    }


class _KeptCountPaginator(Paginator):
    """Pages of PAGE_SIZE rows whatever a kept count says, so that a file opened within the
    minute is not cut off the last page."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


def _file_count(request, queryset) -> int:
    """How many files the list found. Counting all the active files of the country takes
    ~12 ms at 100,000 files, more than the rest of the list's queries together
    (docs/benchmarks.md), so a count that large is kept for a minute for the same scope and
    filters: at that size a file opened meanwhile changes nothing the number tells. The rows
    shown are always read afresh."""
    user = request.user
    filters = sorted((k, v) for k, v in request.GET.lists() if k not in ("page", "sort"))
    scope = (user.role, user.centre_id, user.region_id, user.province_id, filters)
    key = "beneficiary-count:" + hashlib.sha256(repr(scope).encode()).hexdigest()
    count = cache.get(key)
    if count is None:
        count = queryset.count()
        if count >= CACHED_COUNT:
            cache.set(key, count, CACHED_COUNT_SECONDS)
    return count


# What a row of the list shows; the rest of the file is not read.
LIST_COLUMNS = (
    "file_number",
    "first_name_ar",
    "last_name_ar",
    "first_name_latin",
    "last_name_latin",
    "sex",
    "status",
    "archived_at",
    "created_at",
    "track__name_ar",
    "track__name_fr",
    "centre__code",
)


def _list_rows(pks: list[int]) -> dict[int, Beneficiary]:
    """The list's rows by primary key (already chosen within the user's scope and filters),
    with ``has_consent`` read in the same query: one query for the page."""
    return (
        Beneficiary.objects.select_related("centre", "track")
        .only(*LIST_COLUMNS)
        .with_consent_flag()
        .in_bulk(pks)
    )


@requires(permissions.can_view_beneficiaries)
def beneficiary_list(request):
    form = SearchForm(request.GET or None, user=request.user)
    queryset = form.filter(Beneficiary.objects.visible_to(request.user))
    # Paginate on primary keys, then load the page's rows with their joins: a deep page then
    # skips bare ids instead of joining every skipped row (docs/benchmarks.md).
    page = paginate(
        request,
        queryset.values_list("pk", flat=True),
        paginator_class=_KeptCountPaginator,
        count=_file_count(request, queryset),
    )
    rows = _list_rows(list(page.object_list))
    page.object_list = [rows[pk] for pk in page.object_list]
    consented = {b.pk for b in page.object_list if b.has_consent}
    return render(
        request,
        "beneficiaries/list.html",
        {
            "form": form,
            "page": page,
            "consented": consented,
            "sort": form.cleaned_data.get("sort") if form.is_bound and form.is_valid() else "",
            "can_create": permissions.can_create_beneficiary(request.user),
            "can_import": permissions.can_import_beneficiaries(request.user),
        },
    )


@requires(permissions.can_view_beneficiaries)
def beneficiary_search(request):
    """The search box of the top bar: a file number or a CIN typed whole opens that file;
    anything else (a name in either script, a phone number, part of a number) lists the files
    it finds."""
    query = (request.GET.get("q") or "").strip()[: SearchForm.base_fields["q"].max_length]
    found = selectors.file_named_by(request.user, query)
    if found is not None:
        return redirect("beneficiary_detail", pk=found)
    url = reverse("beneficiary_list")
    return redirect(f"{url}?{urlencode({'q': query})}" if query else url)


def _centre_for_new_file(request):
    """Coordinators open files in their own centre; headquarters picks one."""
    if request.user.role == Role.COORDINATOR:
        return request.user.centre
    centre_id = request.POST.get("centre") or request.GET.get("centre")
    return Centre.objects.visible_to(request.user).filter(pk=centre_id or 0).first()


@requires(permissions.can_create_beneficiary)
def beneficiary_create(request):
    form = BeneficiaryForm(request.POST or None, user=request.user)
    centres = None if request.user.role == Role.COORDINATOR else Centre.objects.filter(active=True)
    centre = _centre_for_new_file(request)
    found = None
    if request.method == "POST":
        if centre is None:
            form.add_error(None, _("Choose the centre that owns the file."))
        elif form.is_valid():
            # Saving twice (Back, then Save again, or a double click) or typing a known person
            # finds their file first; opening another one anyway is an explicit choice about
            # the files shown.
            try:
                beneficiary = services.beneficiary_open(
                    by=request.user,
                    centre=centre,
                    data=form.cleaned_data,
                    different_person=request.POST.get("different_person", ""),
                )
            except services.PossibleDuplicates as refusal:
                found = refusal.found
            else:
                messages.success(
                    request, _("File %(number)s opened.") % {"number": beneficiary.file_number}
                )
                return redirect("beneficiary_detail", pk=beneficiary.pk)
    return render(
        request,
        "beneficiaries/form.html",
        {
            "form": form,
            "centres": centres,
            "centre": centre,
            "creating": True,
            "duplicates": found,
        },
    )


def _timeline(beneficiary, projects):
    """What happened to the person and to their projects, newest first."""
    return AuditEntry.objects.filter(
        Q(target_type="beneficiaries.beneficiary", target_id=str(beneficiary.pk))
        | Q(target_type="projects.lifeproject", target_id__in=[str(p.pk) for p in projects])
    ).select_related("actor")


@requires(permissions.can_view_beneficiaries)
def beneficiary_detail(request, pk):
    """The person's file. The detention record shows only when asked (``?show=detention``,
    the page's "Show the detention record"), and only that request records a view of it:
    opening a file to attach a document is not reading the person's detention."""
    user = request.user
    can_view_detention = permissions.can_view_detention(user)
    beneficiary = _get_beneficiary(
        request, pk, detention_flag=can_view_detention, section_flags=True
    )
    detention = None
    if can_view_detention and beneficiary.has_detention and request.GET.get("show") == "detention":
        detention = (
            DetentionRecord.objects.visible_to(user)
            .select_related("establishment")
            .filter(beneficiary=beneficiary)
            .first()
        )
    access_log.record(
        Kind.FILE,
        by=user,
        file_number=beneficiary.file_number,
        detention_records=int(detention is not None),
    )
    # What the page lists of each project; the timeline needs their keys.
    projects = list(beneficiary.projects.only("beneficiary", "title", "status", "requested_total"))
    can_edit = permissions.can_edit_beneficiary(user, beneficiary)
    can_archive = permissions.can_archive_beneficiary(user, beneficiary)
    needs_latest, needs_previous = (
        assessments.latest_two(beneficiary) if beneficiary.has_assessments else (None, None)
    )
    return render(
        request,
        "beneficiaries/detail.html",
        {
            "needs_latest": needs_latest,
            "needs_previous": needs_previous,
            "needs_rows": (
                assessments.domain_rows(needs_latest, needs_previous) if needs_latest else []
            ),
            "can_record_needs": permissions.can_record_assessment(user, beneficiary),
            "b": beneficiary,
            "detention": detention,
            "can_view_detention": can_view_detention,
            "consents": (
                beneficiary.consents.select_related("text", "collected_by")
                if beneficiary.has_consents
                else []
            ),
            "documents": beneficiary.documents.all(),
            "timeline": _timeline(beneficiary, projects)[:50],
            "projects": projects,
            "document_fields": blank_fields(DocumentForm) if can_edit else {},
            "archive_fields": blank_fields(ArchiveForm) if can_archive else {},
            "can_edit": can_edit,
            "can_archive": can_archive,
            "can_restore": permissions.can_restore_beneficiary(user, beneficiary),
            "can_access_request": permissions.can_export_access_request(user, beneficiary),
            "text_messages": texting.recent(beneficiary) if beneficiary.has_text_messages else [],
            "can_text": permissions.can_text_beneficiary(user, beneficiary),
            **{
                key: value
                for extra in hooks.FILE_PAGE_CONTEXT
                for key, value in extra(user, beneficiary).items()
            },
        },
    )


@requires(permissions.can_view_beneficiaries)
def beneficiary_edit(request, pk):
    beneficiary = _get_beneficiary(request, pk)
    allow(permissions.can_edit_beneficiary, request.user, beneficiary)
    form = BeneficiaryForm(request.POST or None, instance=beneficiary, user=request.user)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            agreed = beneficiary.sms_consent_at is not None
            saved = services.beneficiary_update(
                beneficiary=beneficiary,
                by=request.user,
                data=form.cleaned_data,
                version=form.cleaned_data.get("version") or 0,
            )
            messages.success(request, _("The file was saved."))
            if agreed and saved.sms_consent_at is None:
                messages.warning(
                    request,
                    _(
                        "The person's agreement to text messages was given for the previous "
                        "number: record it again for the new number before texting them."
                    ),
                )
            return redirect("beneficiary_detail", pk=beneficiary.pk)
    return render(request, "beneficiaries/form.html", {"form": form, "b": beneficiary})


@requires(permissions.can_view_detention)
def detention_edit(request, pk):
    beneficiary = _get_beneficiary(request, pk)
    allow(permissions.can_edit_detention, request.user, beneficiary)
    record = DetentionRecord.objects.visible_to(request.user).filter(beneficiary=beneficiary)
    instance = record.first()
    if instance is not None and request.method == "GET":
        # The form displays the record's values.
        access_log.record(Kind.DETENTION, by=request.user, file_number=beneficiary.file_number)
    form = DetentionRecordForm(request.POST or None, instance=instance, beneficiary=beneficiary)
    if request.method == "POST" and form.is_valid():
        services.detention_record_save(
            beneficiary=beneficiary, by=request.user, data=form.cleaned_data
        )
        messages.success(request, _("The detention record was saved."))
        return redirect("beneficiary_detail", pk=beneficiary.pk)
    return render(
        request,
        "beneficiaries/detention_form.html",
        {"form": form, "b": beneficiary, "heading": _("Detention record")},
    )


@requires(permissions.can_view_beneficiaries)
def consent_add(request, pk):
    beneficiary = _get_beneficiary(request, pk)
    allow(permissions.can_record_consent, request.user, beneficiary)
    form = ConsentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.consent_record(beneficiary=beneficiary, by=request.user, data=form.cleaned_data)
        messages.success(request, _("The consent was recorded."))
        return redirect("beneficiary_detail", pk=beneficiary.pk)
    return render(
        request,
        "beneficiaries/consent_form.html",
        {"form": form, "b": beneficiary, "heading": _("Record consent")},
    )


@requires(permissions.can_view_beneficiaries)
def document_add(request, pk):
    beneficiary = _get_beneficiary(request, pk)
    allow(permissions.can_attach_document, request.user, beneficiary)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.document_attach(
            beneficiary=beneficiary,
            by=request.user,
            upload=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
        )
        messages.success(request, _("The document was attached."))
        return redirect("beneficiary_detail", pk=beneficiary.pk)
    return render(
        request,
        "beneficiaries/document_form.html",
        {"form": form, "b": beneficiary, "heading": _("Attach a document")},
    )


def _serve(request, beneficiary, stored_file, content_type, name, kind, reference) -> FileResponse:
    # The document's number and kind, never its name: uploaded names often hold the person's.
    access_log.record(
        kind, by=request.user, file_number=beneficiary.file_number, reference=reference
    )
    response = FileResponse(
        stored_file.open("rb"),
        content_type=content_type,
        as_attachment=request.GET.get("download") == "1",
        filename=name,
    )
    # The bytes were checked at upload; the browser must not guess another type, and the file
    # must not run scripts in the application's origin.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


@requires(permissions.can_view_beneficiaries)
def document_download(request, pk, document_pk):
    beneficiary = _get_beneficiary(request, pk)
    document = get_visible_or_404(
        Document.objects.filter(beneficiary=beneficiary), request.user, pk=document_pk
    )
    return _serve(
        request,
        beneficiary,
        document.file,
        document.content_type,
        document.original_name,
        Kind.DOCUMENT,
        f"#{document.pk} {document.kind}",
    )


@requires(permissions.can_view_beneficiaries)
def consent_scan(request, pk, consent_pk):
    beneficiary = _get_beneficiary(request, pk)
    consent = beneficiary.consents.exclude(scan="").filter(pk=consent_pk).first()
    if consent is None:
        raise Http404
    # Checked when it was uploaded; served by its type only, whatever the rules became since.
    content_type, _extension = services.file_kind(consent.scan) or ("application/octet-stream", "")
    name = f"{beneficiary.file_number}-consent-{consent.given_on.isoformat()}"
    return _serve(
        request,
        beneficiary,
        consent.scan,
        content_type,
        name,
        Kind.CONSENT_SCAN,
        f"#{consent.pk} {consent.given_on.isoformat()}",
    )


def _archive_confirmation(beneficiary, form) -> Confirmation:
    lines = [
        _(
            "Archiving the file %(number)s of %(name)s takes it off the default list: it is "
            "kept, stays searchable with “Include archived files” and can be restored. Until "
            "then it cannot be edited and no project can be opened for the person."
        )
        % {"number": code(beneficiary.file_number), "name": person_name(beneficiary)},
        _(
            "After %(years)s years in the archive the person's identity is removed; sex, year "
            "of birth, province and outcomes are kept for statistics."
        )
        % {"years": code(settings.BENEFICIARY_RETENTION_YEARS)},
    ]
    return Confirmation(
        title=_("Archive this file?"),
        consequences=lines,
        confirm_label=_("Yes, archive the file"),
        cancel_url=reverse("beneficiary_detail", args=[beneficiary.pk]),
        form=form,
        # The service refuses it for the same reason; better said before than after.
        refused=services.archive_refusal(beneficiary),
    )


@require_http_methods(["GET", "POST"])
@requires(permissions.can_view_beneficiaries)
def beneficiary_archive(request, pk):
    beneficiary = _get_beneficiary(request, pk)
    allow(permissions.can_archive_beneficiary, request.user, beneficiary)
    if is_confirmed(request):
        form = ArchiveForm(request.POST)
    else:
        # The reason typed on the file page comes along, still editable.
        form = ArchiveForm(initial={"reason": request.POST.get("reason", "")})
    if page := pending(request, _archive_confirmation(beneficiary, form)):
        return page
    with refusal_shown_on(request):
        services.beneficiary_archive(
            beneficiary=beneficiary,
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("The file was archived."))
    return redirect("beneficiary_detail", pk=beneficiary.pk)


@require_POST
@requires(permissions.can_view_beneficiaries)
def beneficiary_restore(request, pk):
    beneficiary = _get_beneficiary(request, pk)
    allow(permissions.can_restore_beneficiary, request.user, beneficiary)
    with refusal_shown_on(request):
        services.beneficiary_restore(beneficiary=beneficiary, by=request.user)
        messages.success(request, _("The file was restored."))
    return redirect("beneficiary_detail", pk=beneficiary.pk)


@requires(permissions.can_view_beneficiaries)
def access_request(request, pk):
    """Everything held about one person, as one PDF (law 09-08 art. 7, right of access)."""
    beneficiary = _get_beneficiary(request, pk)
    allow(permissions.can_export_access_request, request.user, beneficiary)
    detention = selectors.detention_for_reader(request.user, beneficiary)
    name = f"{beneficiary.file_number}-access.pdf"
    access_log.record(
        Kind.ACCESS_REQUEST,
        by=request.user,
        file_number=beneficiary.file_number,
        reference=name,
        detention_records=int(detention is not None),
    )
    # Answering the person's request is also a step in their file's history.
    audit.record("beneficiary.access_exported", actor=request.user, target=beneficiary)
    context = {
        "b": beneficiary,
        "sections": access_request_sections(beneficiary, detention=detention),
        "timeline": _timeline(beneficiary, beneficiary.projects.all()),
        "generated_at": timezone.now(),
    }
    pdf = render_pdf("pdf/access_request.html", context)
    return pdf_response(pdf, name)


@requires(permissions.can_view_beneficiaries)
def beneficiary_export(request, fmt):
    form = SearchForm(request.GET or None, user=request.user)
    queryset = form.filter(Beneficiary.objects.visible_to(request.user))
    columns = exporting.columns_for(request.user)
    with_detention = permissions.can_view_detention(request.user)
    rows, detention_records = exporting.rows(queryset, columns, with_detention=with_detention)
    name = exporting.filename(fmt)
    # One entry for the export, with how many files it held; the detention records it
    # carried are views of each of them (law 09-08), counted in an entry of their own.
    access_log.record(
        Kind.EXPORT,
        by=request.user,
        reference=name,
        rows=len(rows),
        detention_records=detention_records,
    )
    return exporting.response(fmt, columns, rows, name)


@requires(permissions.can_import_beneficiaries)
def beneficiary_import_template(request):
    """The sheet to fill for an import, in the user's language."""
    response = HttpResponse(
        import_template.template_workbook(user=request.user),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="import-template.xlsx"'
    return response


@requires(permissions.can_import_beneficiaries)
def beneficiary_import(request):
    """Upload a sheet, follow its dry run (a job), read it, confirm it."""
    centres = None if request.user.role == Role.COORDINATOR else Centre.objects.filter(active=True)
    pending = request.session.get("beneficiary_import")
    check = import_jobs.check_of(pending, request.user)
    current = bool(pending) and pending.get("token") == request.POST.get("token")
    if request.method == "POST" and "cancel" in request.POST:
        if current:
            importing.discard(request.session.pop("beneficiary_import"))
        return redirect("beneficiary_import")
    if request.method == "POST" and "confirm" in request.POST:
        checked = check is not None and check.status == Job.Status.DONE
        if not checked or not current:
            messages.error(request, _("This import expired: upload the sheet again."))
            return redirect("beneficiary_import")
        del request.session["beneficiary_import"]
        with refusal_shown_on(request):
            result = importing.commit(pending, by=request.user)
            messages.success(
                request,
                _("Import done: %(created)s created, %(updated)s updated, %(refused)s refused.")
                % result,
            )
            return redirect("beneficiary_list")
        return redirect("beneficiary_import")
    form = importing.ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        previous = request.session.get("beneficiary_import")
        try:
            pending, joined = import_jobs.check_start(
                form.cleaned_data["sheet"], centre=form.selected_centre(), by=request.user
            )
        except ValidationError as error:
            # A file that is no spreadsheet is an error of the file field, shown beside it.
            form.add_error("sheet", error)
        else:
            if previous and previous.get("path") != pending.get("path"):
                # A new dry run replaces the one waiting for confirmation, whose sheet nobody
                # needs (unless it is the one still being checked, which the new sheet joined).
                importing.discard(previous)
            if joined:
                messages.warning(
                    request,
                    _(
                        "A sheet you sent is still being checked: this page shows where it "
                        "stands. Once it is done, you can send another."
                    ),
                )
            request.session["beneficiary_import"] = pending
            return redirect("beneficiary_import")
    if request.method == "POST" or "new" in request.GET:
        check = None  # the form, whatever was checked before
    done = check is not None and check.status == Job.Status.DONE
    return render(
        request,
        "beneficiaries/import.html",
        {
            "form": form,
            "check": check,
            "plan": import_jobs.checked_plan(check, request.user) if done else None,
            "centres": centres,
            "token": (pending or {}).get("token"),
            # Headed as in the template, in the reader's language (the codes are read too).
            "columns": [importing.COLUMN_LABELS[name] for name in importing.COLUMNS],
        },
    )
