"""Two coordinators of the receiving centre answer the same request at the same moment: one
answer wins, the other is refused, and the file is where the winning answer put it."""

import threading

import pytest
from django.db import connections

from beneficiaries.models import Beneficiary
from beneficiaries.tests.factories import BeneficiaryFactory
from casework.models import TransferRequest
from casework.transfers import transfer_accept, transfer_decline, transfer_request
from reintegration.refusals import Refused
from reintegration.tests.factories import UserFactory


# The test commits, and the database is emptied after it: the reference data come back first,
# before the package's fixtures build a centre and a convention on them.
@pytest.fixture(autouse=True)
def _convention(reference_data):
    return None


@pytest.fixture(autouse=True)
def english(reference_data):
    return None


@pytest.mark.django_db(transaction=True)
def test_an_acceptance_and_a_refusal_at_once_leave_one_answer(reference_data, users, centre):
    from reintegration.tests.worlds import make_elsewhere

    casa = make_elsewhere()
    colleague = UserFactory(coordinator=True, centre=casa["centre"])
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    transfer = transfer_request(
        beneficiary=person, to_centre=casa["centre"], reason="x", by=users["coordinator"]
    )
    answers = [
        lambda: transfer_accept(transfer=transfer, by=casa["coordinator"]),
        lambda: transfer_decline(transfer=transfer, by=colleague, reason="non"),
    ] * 2
    barrier = threading.Barrier(len(answers))
    outcomes = []

    def answer(call):
        try:
            barrier.wait(timeout=30)
            outcomes.append(call().status)
        except Refused:
            outcomes.append("refused")
        except Exception as error:  # an outcome too: the assertion below shows it
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(call,)) for call in answers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes).count("refused") == 3, outcomes
    final = TransferRequest.objects.get()
    assert final.status in outcomes
    moved = Beneficiary.objects.get(pk=person.pk).centre_id == casa["centre"].pk
    assert moved == (final.status == "accepted")
