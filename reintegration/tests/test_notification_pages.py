"""The notifications inbox, opening a notification, the unread count of the top bar and the
e-mail preference of the account page (reintegration/views/notifications.py)."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import services
from projects.tests.factories import make_project
from reintegration import notifications
from reintegration.models import AuditEntry, Notification, OutboxMessage, User
from reintegration.pagination import PAGE_SIZE

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(users):
    # The sentences are pinned in the source language; the catalogues are tested elsewhere.
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")


def tell(user, number="TNG-2026-0001", url="/projects/"):
    [made] = notifications.notify([user], kind="project.return", url=url, params={"number": number})
    return made


def checked(page: str) -> bool:
    [box] = re.findall(r'<input[^>]*name="email_notifications"[^>]*>', page)
    return " checked" in box


def badge(html: str) -> str:
    found = re.search(r'<span class="badge[^"]*" id="notification-count">(\d+)</span>', html)
    return found.group(1) if found else ""


def label(html: str) -> str:
    return re.search(r'id="notification-badge" href="/notifications/" aria-label="([^"]*)"', html)[
        1
    ]


def test_the_top_bar_counts_unread_notifications_in_one_query(client, users, english):
    coordinator = users["coordinator"]
    client.force_login(coordinator)
    html = client.get("/centres/").content.decode()
    assert badge(html) == ""
    assert label(html) == "Notifications: none unread"
    tell(coordinator)
    tell(coordinator)
    html = client.get("/centres/").content.decode()
    assert badge(html) == "2"
    assert label(html) == "\u20662\u2069 unread notifications"
    tell(users["regional"])  # somebody else's
    with CaptureQueriesContext(connection) as captured:
        assert badge(client.get("/centres/").content.decode()) == "2"
    assert sum("reintegration_notification" in query["sql"] for query in captured) == 1


def test_the_badges_label_has_the_arabic_plural_and_an_isolated_number(client, users):
    client.force_login(users["coordinator"])
    client.post("/language/", {"language": "ar"})
    tell(users["coordinator"])
    html = client.get("/centres/").content.decode()
    assert "\u20661\u2069" in label(html)


def test_anonymous_pages_count_nothing(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        assert client.get("/accounts/login/").status_code == 200


def test_the_inbox_lists_the_users_own_newest_first_with_unread_highlighted(client, users, english):
    coordinator = users["coordinator"]
    old = tell(coordinator, "TNG-2026-0001")
    new = tell(coordinator, "TNG-2026-0002")
    tell(users["regional"], "TNG-2026-0099")
    notifications.mark_read(user=coordinator, notification_id=old.pk)
    client.force_login(coordinator)
    html = client.get("/notifications/").content.decode()
    assert html.index("TNG-2026-0002") < html.index("TNG-2026-0001")
    assert "TNG-2026-0099" not in html
    assert f'id="notification-{new.pk}"' in html
    unread = 'class="list-group-item notification-unread"'
    assert re.search(rf'{unread} id="notification-{new.pk}"', html)
    assert re.search(rf'class="list-group-item" id="notification-{old.pk}"', html)


def test_the_inbox_is_paginated_with_the_register_page_size(client, users):
    coordinator = users["coordinator"]
    for index in range(PAGE_SIZE + 1):
        tell(coordinator, f"N-{index:03d}")
    client.force_login(coordinator)
    first = client.get("/notifications/").content.decode()
    assert first.count('class="list-group-item') == PAGE_SIZE
    second = client.get("/notifications/?page=2").content.decode()
    assert second.count('class="list-group-item') == 1 and "N-000" in second


def test_opening_marks_read_and_follows_the_link_and_the_count_goes_down(client, users):
    coordinator = users["coordinator"]
    first, _second = tell(coordinator, url="/projects/1/"), tell(coordinator)
    client.force_login(coordinator)
    assert badge(client.get("/centres/").content.decode()) == "2"
    response = client.get(f"/notifications/{first.pk}/open/")
    assert (response.status_code, response.url) == (302, "/projects/1/")
    first.refresh_from_db()
    assert first.read_at is not None
    assert badge(client.get("/centres/").content.decode()) == "1"
    # A POST does the same (a form button).
    assert client.post(f"/notifications/{first.pk}/open/").url == "/projects/1/"


def test_nobody_opens_or_marks_someone_elses_notification(client, users):
    theirs = tell(users["regional"])
    client.force_login(users["coordinator"])
    assert client.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert client.post("/notifications/read/").status_code == 302
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize(
    "link", ["https://evil.example.org/", "//evil.example.org/x", "javascript:alert(1)", ""]
)
def test_a_link_off_site_leads_back_to_the_inbox(client, users, link):
    made = tell(users["coordinator"], url=link)
    client.force_login(users["coordinator"])
    response = client.get(f"/notifications/{made.pk}/open/")
    assert response.url == "/notifications/"


def test_mark_all_read_is_a_post_and_touches_only_the_users_own(client, users):
    coordinator = users["coordinator"]
    tell(coordinator)
    tell(coordinator)
    theirs = tell(users["regional"])
    client.force_login(coordinator)
    assert client.get("/notifications/read/").status_code == 405
    assert client.post("/notifications/read/").url == "/notifications/"
    assert notifications.unread_count(coordinator) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_preference_saves_and_decides_whether_a_copy_is_queued(client, users, run_jobs):
    coordinator = users["coordinator"]
    coordinator.email = "samira@example.org"
    coordinator.save(update_fields=["email"])
    client.force_login(coordinator)
    page = client.get("/accounts/two-factor/").content.decode()
    assert checked(page) is True

    assert client.post("/accounts/notifications/", {}).url == "/accounts/two-factor/"
    coordinator.refresh_from_db()
    assert coordinator.email_notifications is False
    entry = AuditEntry.objects.get(action="user.notification_preference")
    assert entry.changes == {"email_notifications": [True, False]}
    assert checked(client.get("/accounts/two-factor/").content.decode()) is False
    tell(coordinator)
    assert not OutboxMessage.objects.exists()

    client.post("/accounts/notifications/", {"email_notifications": "on"})
    coordinator.refresh_from_db()
    assert coordinator.email_notifications is True
    tell(coordinator, "TNG-2026-0042")
    run_jobs()
    [sent] = mail.outbox
    assert sent.to == ["samira@example.org"]
    assert "TNG-2026-0042" in sent.body


def test_project_decisions_reach_the_centre_through_the_inbox(
    client, users, person, convention, english
):
    coordinator, regional = users["coordinator"], users["regional"]
    project = make_project(person, coordinator)
    services.project_submit(project=project, by=coordinator)
    client.force_login(regional)
    inbox = client.get("/notifications/").content.decode()
    assert f"The life project of file {person.file_number} was submitted" in inbox
    services.project_return(project=project, by=regional, comment="Devis manquant")
    services.project_submit(project=project, by=coordinator)
    services.project_reject(project=project, by=regional, comment="Marché saturé")
    kinds = list(
        Notification.objects.filter(recipient=coordinator)
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["project.return", "project.reject"]
    client.force_login(coordinator)
    inbox = client.get("/notifications/").content.decode()
    assert inbox.count(person.file_number) == 2
    made = Notification.objects.filter(recipient=coordinator).first()
    assert client.get(f"/notifications/{made.pk}/open/").url == f"/projects/{project.pk}/"
