import pytest
from django.utils import translation

from reintegration import audit
from reintegration.models import AuditEntry
from reintegration.tests.confirming import confirm
from reintegration.tests.factories import CentreFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_records_actor_target_and_changes():
    user = UserFactory(username="karim")
    centre = CentreFactory(code="OUJ")
    entry = audit.record("user.language_changed", actor=user, target=centre, changes={"a": [1, 2]})
    entry.refresh_from_db()
    assert entry.actor == user
    assert entry.actor_label == "karim"
    assert (entry.target_type, entry.target_id) == ("reintegration.centre", str(centre.pk))
    assert entry.changes == {"a": [1, 2]}


def test_it_masks_secrets_whatever_the_caller_passes():
    entry = audit.record(
        "auth.password_changed",
        actor_label="x",
        changes={"password": ["old", "new"], "api_token": "abc", "language": ["ar", "fr"]},
    )
    entry.refresh_from_db()
    assert entry.changes == {
        "password": ["********", "********"],
        "api_token": "********",
        "language": ["ar", "fr"],
    }


def test_it_refuses_an_action_without_a_sentence():
    with pytest.raises(ValueError, match="Unknown audit action"):
        audit.record("project.teleported", actor_label="x")
    assert not AuditEntry.objects.exists()


def test_sentences_read_in_french_and_arabic():
    entry = audit.record("auth.login", actor_label="samira")
    with translation.override("fr"):
        assert str(entry) == "Connexion de l'utilisateur samira."
    with translation.override("ar"):
        assert str(entry) == "تسجيل دخول samira."


def test_every_action_has_a_translated_sentence():
    with translation.override("en"):
        english = {code: str(sentence) for code, sentence in audit.SENTENCES.items()}
    for language in ("ar", "fr"):
        with translation.override(language):
            same = [code for code, text in english.items() if str(audit.SENTENCES[code]) == text]
        assert same == [], language


def test_every_action_reads_as_a_sentence():
    entry = audit.record("auth.login", actor_label="samira")
    with translation.override("en"):
        assert str(entry) == "samira signed in."
    failed = audit.record("auth.login_failed", actor_label="")
    with translation.override("en"):
        assert str(failed) == "Failed sign-in attempt for “someone”."


def test_a_service_run_for_a_request_records_its_client_address_without_seeing_it(
    client, users, person
):
    client.force_login(users["coordinator"])
    response = confirm(
        client,
        f"/beneficiaries/{person.pk}/archive/",
        {"reason": "Départ à l'étranger"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="beneficiary.archived")
    assert (entry.actor, entry.ip_address) == (users["coordinator"], "203.0.113.9")


def test_the_same_service_outside_a_request_records_no_address(users, person):
    from beneficiaries import services

    with audit.client_address("203.0.113.9"):
        pass  # the address ends with its block
    services.beneficiary_archive(beneficiary=person, by=users["national"], reason="Décès")
    entry = AuditEntry.objects.get(action="beneficiary.archived")
    assert entry.ip_address is None
