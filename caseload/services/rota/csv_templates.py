"""The CSV import templates: the documented columns and two example rows taken from the team itself,
so a downloaded template imports unchanged (a fixed example named clients and advisors that do not
exist in the leader's team, and was refused).

Client rows: two references not yet used, the team's first active advisor (by username, which is unique)
and one of their skills. Request rows: the team's first two clients, active support appointment types at
their default length, windows on Monday and Wednesday of the week. A team without clients or types still
gets the columns and a generic example (which then says what is missing when imported).
"""
from __future__ import annotations

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import AppointmentType, Client, Team
from caseload.services.rota.csv_import import CLIENT_COLUMNS, CLIENT_EXAMPLE, REQUEST_COLUMNS, REQUEST_EXAMPLE, template_csv
from caseload.services.planning.problem import team_advisors
from caseload.values import name_key


def _free_references(team: Team, count: int) -> list[str]:
    """`count` references not used by `team` (references are unique per team, compared by values.name_key).
    Only this team's are read: skipping one another team holds would tell the leader it exists."""
    prefix = (team.name[:1] or "C").upper()
    used = {name_key(r) for r in db.session.scalars(select(Client.reference).where(Client.team_id == team.id))}
    free, number = [], 901
    while len(free) < count:
        reference = f"{prefix}{number:04d}"
        if name_key(reference) not in used:
            free.append(reference)
        number += 1
    return free


def clients_template(team: Team) -> str:
    """The clients template for `team`: the columns and two new clients, one allocated, one not."""
    advisors = [a for a in team_advisors(team) if a.does_support] or team_advisors(team)
    if not advisors:
        return template_csv(CLIENT_COLUMNS, CLIENT_EXAMPLE)
    advisor = advisors[0]
    named = advisor.user.username if advisor.user is not None else advisor.name
    need = next((s.code for s in advisor.skills), "")
    first, second = _free_references(team, 2)
    return template_csv(CLIENT_COLUMNS, [[first, "Jo Bloggs", named, need, "2"], [second, "Sam Smith", "", need, "1"]])


def requests_template(team: Team) -> str:
    """The requests template for `team`: the columns and a request for each of its first two clients."""
    clients = list(db.session.scalars(select(Client).where(Client.team_id == team.id, Client.erased_at.is_(None))
                                      .order_by(Client.reference).limit(2)))
    types = list(db.session.scalars(select(AppointmentType).where(AppointmentType.active.is_(True))
                                    .order_by(AppointmentType.kind != "support", AppointmentType.code)))
    if not clients or not types:
        return template_csv(REQUEST_COLUMNS, REQUEST_EXAMPLE)
    windows = ["mon 09:00-12:00; wed 13:00-17:00", "tue 09:00-17:00"]
    rows = [[client.reference, kind.code, str(kind.default_minutes), window, "", "", kind.name]
            for client, kind, window in zip(clients, types + types, windows)]
    return template_csv(REQUEST_COLUMNS, rows)
