"""Names stored before the checks that now refuse them: a report, never a change.

values.text_problem refuses, in one-line text, control characters and invisible formatting characters (bidi
controls, zero-width spaces, a ZWNJ/ZWJ outside a word of a joining script…), and client references, team
names and usernames are now unique by values.name_key, and they and codes refuse compatibility characters
(values.key_problem: the Kelvin sign) (case and ZWNJ/ZWJ ignored; migrations 0021 and 0022).
Rows saved before either check may break them; editing such a row through a form would now be refused until the
name is retyped. `stored_name_findings` lists them so an administrator can fix each by hand
(`flask --app caseload check-names`); nothing is written.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from itertools import groupby

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Advisor, AppointmentType, Client, Skill, Team, User
from caseload.values import key_problem, name_key, text_problem

# Every one-line name a person types (values.py: names of clients, advisors, users, teams, skills, types).
ONE_LINE_NAMES = ((Team, "name"), (Client, "reference"), (Client, "name"), (Advisor, "name"),
                  (User, "username"), (User, "display_name"), (Skill, "code"), (Skill, "name"),
                  (AppointmentType, "code"), (AppointmentType, "name"))
# Those compared by key (codes, usernames, team names, client references): values.key_problem refuses a
# compatibility character (the Kelvin sign) in them, which a row saved before the rule may hold.
KEYED_NAMES = {(Team, "name"), (Client, "reference"), (User, "username"), (Skill, "code"), (AppointmentType, "code")}


@dataclass(frozen=True)
class Finding:
    """One stored value at fault: `table` and row `id`, the `field`, the value shown with its invisible
    characters spelled out (visible), and `problem`, a sentence."""
    table: str
    id: int
    field: str
    shown: str
    problem: str

    def line(self) -> str:
        return f"{self.table} #{self.id} {self.field} {self.shown}: {self.problem}"


def visible(text: str) -> str:
    """`text` quoted, with control, invisible formatting and separator characters (categories C*, Zl, Zp) and
    lone surrogates written as \\uXXXX, so a terminal shows what is stored."""
    spelled = "".join(f"\\u{ord(c):04x}" if unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp")
                      else c for c in text)
    return f'"{spelled}"'


def refused_text() -> list[Finding]:
    """Stored one-line names that values.text_problem now refuses, and keyed ones (KEYED_NAMES) values.key_problem
    refuses, table by table, by id."""
    found = []
    for model, field in ONE_LINE_NAMES:
        column = getattr(model, field)
        for row_id, value in db.session.execute(select(model.id, column).order_by(model.id)):
            problem = text_problem(value) if value is not None else None
            if value is not None and not problem and (model, field) in KEYED_NAMES:
                problem = key_problem(value)
            if problem:
                found.append(Finding(model.__tablename__, row_id, field, visible(value), problem.rstrip(".")))
    return found


def look_alike(rows, table: str, field: str, scope: str) -> list[Finding]:
    """Findings for `rows` ((id, group, value, stored key), sorted by group) sharing one name_key in one group:
    every row after the first (lowest id) of its kind, naming that first and saying whether its stored key is
    unset (migrations 0021 and 0022 leave it NULL on such a row: the database cannot hold it unique until it is
    retyped). A row whose key is unset though nothing looks like it is listed too."""
    found = []
    for _group, members in groupby(rows, key=lambda row: row[1]):
        first_of: dict[str, tuple[int, str]] = {}
        for row_id, _g, value, stored_key in sorted(members, key=lambda row: row[0]):
            key = name_key(value)
            unset = "; its key is unset (NULL), so its uniqueness is not enforced" if stored_key is None else ""
            if key in first_of:
                first_id, first = first_of[key]
                found.append(Finding(table, row_id, field, visible(value), f"looks the same as {visible(first)} "
                                     f"(#{first_id}{scope}): they differ only by case or ZWNJ/ZWJ{unset}"))
            else:
                first_of[key] = (row_id, value)
                if stored_key is None:
                    found.append(Finding(table, row_id, field, visible(value), "its key is unset (NULL), so its "
                                         "uniqueness is not enforced until the name is changed"))
    return found


def stored_name_findings() -> list[Finding]:
    """Every finding: refused text, then team names, (within a team) client references and usernames that look
    alike or whose stored key (models.name_keys) is unset. A username whose key is unset is reached at sign-in by
    its exact spelling only (users.by_username)."""
    teams = [(t_id, 0, name, key) for t_id, name, key in db.session.execute(select(Team.id, Team.name, Team.name_key))]
    references = sorted(db.session.execute(select(Client.id, Client.team_id, Client.reference, Client.reference_key)),
                        key=lambda r: r[1])
    users = [(u_id, 0, name, key) for u_id, name, key in db.session.execute(
        select(User.id, User.username, User.username_key))]
    return (refused_text() + look_alike(teams, "teams", "name", "")
            + look_alike(references, "clients", "reference", ", same team")
            + look_alike(users, "users", "username", ""))
