"""The today panel's number of queries does not grow with the data: counted for each role with
one row in every block, then again with seven. The rows are built once for the module (see
reintegration/tests/worlds.py): growing them seven times over for each role cost more than
the rest of the panel's tests together."""

import pytest

from dashboard.tests.test_today import TODAY, grow, queries
from dashboard.today import FIRST_FEW, today_panel
from reintegration.models import User
from reintegration.tests.worlds import built_once, make_centre, make_convention, make_users

pytestmark = pytest.mark.django_db

ROLES = ("coordinator", "regional", "official", "national")
# One query per block: its first rows, each carrying the number of rows in all.
PER_ROLE = {"coordinator": 6, "regional": 2, "official": 1, "national": 3}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The users' primary keys and each role's queries with one row per block; then six more
    rows per block."""

    def build():
        centre = make_centre()
        users = make_users(centre)
        make_convention(centre)
        grow(users, centre, 1)
        small = {role: queries(users[role]) for role in ROLES}
        grow(users, centre, 6)  # past the few rows each block shows
        return {role: users[role].pk for role in ROLES}, small

    yield from built_once(django_db_blocker, tmp_path_factory, build)


@pytest.mark.parametrize("role", ROLES)
def test_the_panel_costs_the_same_queries_for_one_row_or_five_times_more(world, role):
    pks, small = world
    user = User.objects.get(pk=pks[role])
    assert queries(user) == small[role] == PER_ROLE[role]
    panel = today_panel(user, TODAY)
    assert all(block.count >= 7 for block in panel.blocks), [
        (block.key, block.count) for block in panel.blocks
    ]
    assert all(len(block.items) == FIRST_FEW for block in panel.blocks)
