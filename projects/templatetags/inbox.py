"""The approval inbox's rows, written in Python (``reintegration/rows.py``): a page holds 50
rows of eight cells, which through the template engine put the national inbox above three
times the cost of the smallest page (docs/benchmarks.md). ``projects/tests/test_inbox_rows.py``
compares them with the template they replaced."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from projects.models import LifeProject
from reintegration.rows import keyed_url, text
from reintegration.templatetags.formatting import mad, shortdate

register = template.Library()

ROW = (
    "\n  <tr>"
    '\n    <td data-label="{project}"><a href="{url}">{title}</a><br>'
    '<span class="small ltr text-body-secondary">{file_number}</span></td>'
    '\n    <td data-label="{person}" class="inbox-name">{name}</td>'
    '\n    <td data-label="{centre}">{centre_name}</td>'
    '\n    <td data-label="{track}">{track_name}</td>'
    '\n    <td data-label="{trade}">{trade_name}</td>'
    '\n    <td class="text-end amount" data-label="{budget}">{total}{over}</td>'
    '\n    <td class="text-nowrap" data-label="{submitted}">{submitted_on}</td>'
    '\n    <td class="text-end" data-label="{days}"><span class="ltr">{days_waiting}</span></td>'
    "\n  </tr>\n  "
)
OVER = '<br><span class="badge text-bg-warning text-wrap over-ceiling">{}</span>'


@register.simple_tag
def inbox_rows(projects: Iterable[LifeProject]) -> SafeString:
    """The table rows of ``projects`` (with ``days_waiting`` set by the view)."""
    # The column names, repeated in each cell for narrow screens, translated once; written
    # as ``{% translate ... as name %}`` wrote them, as trusted text.
    labels = {
        "project": gettext("Project"),
        "person": gettext("Beneficiary"),
        "centre": gettext("Centre"),
        "track": gettext("Programme track"),
        "trade": gettext("Trade"),
        "budget": gettext("Budget"),
        "submitted": gettext("Submitted"),
        "days": gettext("Days waiting"),
    }
    over_ceiling = gettext("over the ceiling of %(ceiling)s")
    url = keyed_url("project_detail")
    rows = []
    for project in projects:
        person = project.beneficiary
        over = ""
        if project.over_ceiling:
            over = OVER.format(over_ceiling % {"ceiling": text(mad(project.ceiling))})
        trade = project.trade.name if project.trade is not None else ""
        rows.append(
            ROW.format(
                **labels,
                url=url(project.pk),
                title=text(project.title),
                file_number=text(person.file_number),
                name=text(person.display_name),
                centre_name=text(person.centre.name),
                track_name=text(person.track.name),
                trade_name=text(trade or "—"),
                total=text(mad(project.requested_total)),
                over=over,
                submitted_on=text(shortdate(project.submitted_at)),
                days_waiting=text(project.days_waiting),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)
