"""Two colleagues record the same step of a referral or a placement at the same moment: one
wins, the others are told it was done, and nothing is recorded twice."""

import threading

import pytest
from django.db import connections

from projects import placements, referrals
from projects.models import Placement, Referral
from projects.tests.referral_factories import accepted, days_ago, place, refer
from reintegration.models import AuditEntry
from reintegration.refusals import Refused


# The test commits, and the database is emptied after it: the reference data come back first,
# before the package's fixtures build a centre and a convention on them.
@pytest.fixture(autouse=True)
def _convention(reference_data):
    return None


def at_once(calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call):
        try:
            barrier.wait(timeout=30)
            call()
            outcomes.append("done")
        except Refused:
            outcomes.append("refused")
        except Exception as error:  # an outcome too: the assertion shows it
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_an_acceptance_and_a_refusal_at_once_leave_one_answer(reference_data, users, person):
    referral = refer(person, users["coordinator"])
    outcomes = at_once(
        [
            lambda: referrals.referral_answer(
                referral=referral, accepted=True, answered_on=days_ago(1), by=users["coordinator"]
            ),
            lambda: referrals.referral_answer(
                referral=referral, accepted=False, answered_on=days_ago(1), by=users["national"]
            ),
        ]
        * 2
    )
    assert outcomes == ["done", "refused", "refused", "refused"]
    assert AuditEntry.objects.filter(action="referral.answered").count() == 1
    assert Referral.objects.get().answered_on == days_ago(1)


@pytest.mark.django_db(transaction=True)
def test_two_outcomes_and_two_ends_at_once_are_recorded_once(reference_data, users, person):
    referral = accepted(person, users["coordinator"])
    job = place(person, users["coordinator"])
    outcome = {"comment": "", "outcome_on": days_ago(1)}
    outcomes = at_once(
        [
            lambda: referrals.referral_outcome(
                referral=referral, outcome="achieved", by=users["coordinator"], **outcome
            ),
            lambda: referrals.referral_outcome(
                referral=referral, outcome="not_achieved", by=users["national"], **outcome
            ),
            lambda: placements.placement_end(
                placement=job, ended_on=days_ago(1), by=users["coordinator"]
            ),
            lambda: placements.placement_end(
                placement=job, ended_on=days_ago(2), by=users["national"]
            ),
        ]
    )
    assert outcomes == ["done", "done", "refused", "refused"]
    assert AuditEntry.objects.filter(action="referral.outcome").count() == 1
    assert AuditEntry.objects.filter(action="placement.ended").count() == 1
    assert Placement.objects.get().version == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_referral_and_placement_sent_at_once_are_recorded_once(
    reference_data, users, person
):
    first = refer(person, users["coordinator"])
    service = first.service
    referrals.referral_answer(
        referral=first, accepted=False, answered_on=days_ago(1), by=users["coordinator"]
    )
    outcomes = at_once(
        [lambda: refer(person, users["coordinator"], service=service, referred_on=days_ago(1))] * 3
        + [lambda: place(person, users["coordinator"], started_on=days_ago(5))] * 3
    )
    assert outcomes == ["done", "done", "refused", "refused", "refused", "refused"]
    assert Referral.objects.filter(service=service).count() == 2
    assert Placement.objects.count() == 1
