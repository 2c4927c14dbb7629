"""How many rows a list shows per page, for every list of the application, and the one way to
cut a list into pages.

Two sizes, chosen by how a list is read:

- ``PAGE_SIZE`` for the registers people browse and search (files, projects, ceremonies): a
  screenful they scan row by row, each row with several links and badges;
- ``WORKLIST_PAGE_SIZE`` for the lists worked through from the top (the approval inbox, the
  overdue visits, the audit log): short rows, where turning pages costs more than scrolling.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator

PAGE_SIZE = 25
WORKLIST_PAGE_SIZE = 50


def paginate(
    request,
    object_list,
    *,
    per_page: int = PAGE_SIZE,
    paginator_class: type[Paginator] = Paginator,
    count: int | None = None,
) -> Page:
    """The page that ``?page=`` asks for; a number that is missing, malformed or past the end
    gives the first or last page (``Paginator.get_page``), never an error.

    ``count``, when the caller already knows it (a count kept in the cache), spares the
    paginator its own ``COUNT`` query."""
    paginator = paginator_class(object_list, per_page)
    if count is not None:
        paginator.count = count
    return paginator.get_page(request.GET.get("page"))
