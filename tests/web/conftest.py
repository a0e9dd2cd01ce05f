"""Fixtures shared by the rota tests: the demo office's north team and its signed-in team leader."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import Team


@pytest.fixture
def north(demo_app):
    """The demo north team and the start of its current week."""
    team = db.session.scalar(select(Team).where(Team.name == "north"))
    return team, this_week_start(team.timezone)


@pytest.fixture
def leader(demo_auth):
    """A test client signed in as the north team's leader."""
    demo_auth.login("leader")
    return demo_auth.client
