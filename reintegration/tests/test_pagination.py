"""Every list takes its page size from reintegration.pagination, so that changing how many rows
a page shows is one line, not a hunt through the views."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.test import RequestFactory

from reintegration import pagination
from reintegration.pagination import PAGE_SIZE, WORKLIST_PAGE_SIZE, paginate
from reintegration.tests.test_layering import APPS

# ``Paginator(rows, 25)``: a size written where the list is built.
LITERAL_SIZE = re.compile(r"Paginator\([^()]*,\s*\d+\s*\)")
HOME = Path(pagination.__file__).resolve()


def test_no_list_writes_its_own_page_size():
    offenders = []
    for app in APPS:
        for path in (settings.BASE_DIR / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts or path == HOME:
                continue
            source = path.read_text(encoding="utf-8")
            if LITERAL_SIZE.search(source) or re.search(r"^PAGE_SIZE\s*=", source, re.M):
                offenders.append(str(path.relative_to(settings.BASE_DIR)))
    assert offenders == []


def test_it_gives_the_asked_page_and_falls_back_on_a_bad_number():
    rows = list(range(60))
    ask = RequestFactory().get
    assert list(paginate(ask("/"), rows).object_list) == rows[:PAGE_SIZE]
    assert list(paginate(ask("/?page=2"), rows).object_list) == rows[PAGE_SIZE : 2 * PAGE_SIZE]
    worklist = paginate(ask("/?page=99"), rows, per_page=WORKLIST_PAGE_SIZE)
    assert (worklist.number, list(worklist.object_list)) == (2, rows[WORKLIST_PAGE_SIZE:])
    assert paginate(ask("/?page=x"), rows).number == 1


def test_a_count_already_known_is_the_one_the_pages_follow():
    page = paginate(RequestFactory().get("/?page=9"), list(range(90)), count=80)
    assert (page.paginator.num_pages, page.number) == (4, 4)
    assert list(page.object_list) == list(range(75, 80))
