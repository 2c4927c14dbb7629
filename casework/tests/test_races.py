"""Two people, or two syncs, acting on the same task at the same moment: one wins, the other
is told, and the database never holds two open tasks for one milestone."""

import threading

import pytest
from django.db import connections

from casework import services
from casework.models import Task
from casework.tests.conftest import add_task, in_days
from reintegration.concurrency import ConcurrentEdit

pytestmark = pytest.mark.django_db(transaction=True)


# Each test here commits, and the database is emptied after it: the reference data come back
# first, before the package's fixtures build a centre and a convention on them.
@pytest.fixture(autouse=True)
def _convention(reference_data):
    return None


@pytest.fixture(autouse=True)
def english(reference_data):
    return None


def at_once(count, work):
    """Runs ``work(index)`` in ``count`` threads released together; returns what each gave
    back or raised."""
    barrier = threading.Barrier(count)
    outcomes = []

    def run(index):
        try:
            barrier.wait(timeout=30)
            outcomes.append(work(index))
        except Exception as error:  # an outcome too: the assertions read it
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_postponements_from_the_same_page_save_one(reference_data, users, person):
    task = add_task(person, users["coordinator"])

    def postpone(index):
        return services.task_postpone(
            task=task,
            due_on=in_days(5 + index),
            reason=f"reason {index}",
            by=users["coordinator"],
            version=1,
        )

    outcomes = at_once(4, postpone)
    saved = [o for o in outcomes if isinstance(o, Task)]
    assert len(saved) == 1, outcomes
    assert all(isinstance(o, ConcurrentEdit) for o in outcomes if o not in saved), outcomes
    task.refresh_from_db()
    assert (task.version, task.postponed_reason) == (2, saved[0].postponed_reason)


def test_syncs_running_together_write_one_task_per_milestone(reference_data, users, person):
    outcomes = at_once(4, lambda index: services.tasks_sync())
    assert all(isinstance(o, services.Synced) for o in outcomes), outcomes
    assert Task.objects.filter(kind="consent_missing", status="open").count() == 1
