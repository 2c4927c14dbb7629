"""The file list's rows, written in Python (``reintegration/rows.py``): every list page holds
25 of them. ``beneficiaries/tests/test_list_rows.py`` compares them with the template they
replaced."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from beneficiaries.models import Beneficiary
from reintegration.rows import keyed_url, text
from reintegration.templatetags.formatting import shortdate

register = template.Library()

ROW = (
    "\n  <tr>"
    '\n    <td data-label="{number}"><a class="ltr" href="{url}">{file_number}</a></td>'
    '\n    <td data-label="{name}"><span lang="ar" dir="rtl">{name_ar}</span><br>'
    '<span class="small text-body-secondary" dir="ltr">{name_latin}</span></td>'
    '\n    <td data-label="{sex}">{sex_label}</td>'
    '\n    <td data-label="{status}">{status_label}{archived}{no_consent}</td>'
    '\n    <td data-label="{track}">{track_name}</td>'
    '\n    <td data-label="{centre}"><span class="ltr">{centre_code}</span></td>'
    '\n    <td class="text-nowrap" data-label="{opened}">{opened_on}</td>'
    "\n  </tr>\n  "
)


@register.simple_tag
def file_rows(files: Iterable[Beneficiary], consented: Collection[int]) -> SafeString:
    """The table rows of ``files``; those whose key is not in ``consented`` say so."""
    # The column names, repeated in each cell for narrow screens, translated once; written
    # as ``{% translate ... as name %}`` wrote them, as trusted text.
    labels = {
        "number": gettext("File number"),
        "name": gettext("Name"),
        "sex": gettext("Sex"),
        "status": gettext("Status"),
        "track": gettext("Programme track"),
        "centre": gettext("Centre"),
        "opened": gettext("Opened"),
    }
    archived = ' <span class="badge text-bg-secondary">{}</span>'.format(text(gettext("archived")))
    no_consent = ' <span class="badge text-bg-warning">{}</span>'.format(
        text(gettext("no consent"))
    )
    url = keyed_url("beneficiary_detail")
    rows = []
    for person in files:
        rows.append(
            ROW.format(
                **labels,
                url=url(person.pk),
                file_number=text(person.file_number),
                name_ar=text(person.full_name_ar),
                name_latin=text(person.full_name_latin),
                sex_label=text(person.get_sex_display()),
                status_label=text(person.get_status_display()),
                archived=archived if person.archived_at else "",
                no_consent="" if person.pk in consented else no_consent,
                track_name=text(person.track.name),
                centre_code=text(person.centre.code),
                opened_on=text(shortdate(person.created_at)),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)
