import pytest

from reintegration.models import Role, User

pytestmark = pytest.mark.django_db


def add_user(client, **fields):
    data = {
        "username": "new.coordinator",
        "password1": "Long-Enough-Pass-42",
        "password2": "Long-Enough-Pass-42",
        "first_name": "Omar",
        "last_name": "Kabbaj",
        "email": "",
        "language": "ar",
        "role": Role.COORDINATOR,
        "centre": "",
        "region": "",
        "province": "",
        "usable_password": "true",
        **fields,
    }
    return client.post("/admin/reintegration/user/add/", data)


def test_a_coordinator_without_a_centre_is_refused_with_a_clear_message(client, users):
    client.force_login(users["national"])  # Arabic, the default
    response = add_user(client)
    assert response.status_code == 200
    assert "يجب ربط منسق(ة) المركز بمركز." in response.content.decode()
    assert not User.objects.filter(username="new.coordinator").exists()


def test_a_national_administrator_adds_a_coordinator_to_a_centre(client, users, centre):
    client.force_login(users["national"])
    response = add_user(client, centre=centre.pk)
    assert response.status_code == 302
    created = User.objects.get(username="new.coordinator")
    assert (created.role, created.centre) == (Role.COORDINATOR, centre)


@pytest.mark.parametrize("role", ["coordinator", "regional", "official", "auditor"])
def test_other_roles_cannot_open_any_admin_page(client, users, role):
    client.force_login(users[role])
    for url in ("/admin/", "/admin/reintegration/user/", "/admin/reintegration/centre/add/"):
        assert client.get(url).status_code == 403


def test_the_admin_sends_anonymous_visitors_to_the_one_sign_in_page(client):
    response = client.get("/admin/reintegration/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_reference_territories_and_the_audit_log_are_read_only(client, users):
    client.force_login(users["national"])
    assert client.get("/admin/reintegration/province/").status_code == 200
    assert client.get("/admin/reintegration/province/add/").status_code == 403
    assert client.get("/admin/reintegration/auditentry/add/").status_code == 403
