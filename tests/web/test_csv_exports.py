"""Every CSV download is written by one writer that a spreadsheet cannot run as formulas (issue 12, kind 9)."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from caseload.extensions import db
from caseload.models import Advisor, Team
from caseload.services.rota import csv_import
from caseload.services.csv_export import csv_text, safe_cell
from tests.web.test_admin_reports import REPORTS, _publish_north

HYPERLINK = '=HYPERLINK("http://example.test","x")'
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_formula_cells_get_an_apostrophe_and_numbers_stay_numbers():
    assert safe_cell(HYPERLINK) == "'" + HYPERLINK
    for text in ("+1+cmd", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1", "-Jo"):
        assert safe_cell(text) == "'" + text, text
    for value in ("-15", "+0.5", "-0.25", -3, -0.5, 12, None, "Asha Patel", "a=b", "", "'=already text"):
        assert safe_cell(value) == value, value
    # The csv module's quoting does not neutralise anything: a quoted "=..." still runs in a spreadsheet.
    plain = io.StringIO()
    csv.writer(plain).writerow([HYPERLINK])
    assert _cells(plain.getvalue()) == [HYPERLINK]
    assert _cells(csv_text(["name"], [[HYPERLINK]])) == ["name", "'" + HYPERLINK]


def test_negative_numbers_and_template_rows_survive_a_round_trip():
    text = csv_text(["week", "share", "delta"], [["2026-11-23", -0.5, "-15"], ["2026-11-30", 0.25, "+3"]])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["week", "share", "delta"], ["2026-11-23", "-0.5", "-15"], ["2026-11-30", "0.25", "+3"]]
    # The import templates go through the same writer and still read back exactly as the importer's examples.
    for columns, example in ((csv_import.CLIENT_COLUMNS, csv_import.CLIENT_EXAMPLE),
                             (csv_import.REQUEST_COLUMNS, csv_import.REQUEST_EXAMPLE)):
        rows = list(csv.reader(io.StringIO(csv_import.template_csv(columns, example), newline="")))
        assert rows == [list(columns)] + example


def test_continuity_advisor_csv_does_not_start_a_cell_with_a_formula(demo_client, demo_auth):
    # The example: an advisor named =HYPERLINK(...) in /admin/reports/continuity-advisor.csv.
    _publish_north(with_named=5, policing_with_named=2, reason=lambda appointment: "-2+3+cmd|' /C calc'!A0")
    north = db.session.scalar(select(Team).where(Team.name == "north"))
    for advisor in db.session.scalars(select(Advisor).where(Advisor.team_id == north.id)):
        advisor.name = HYPERLINK
    north.name = "@SUM(1+1)"
    db.session.commit()
    demo_auth.login("admin")
    text = demo_client.get(f"/admin/reports/continuity-advisor.csv?team={north.id}").get_data(as_text=True)
    names = {row["advisor"] for row in csv.DictReader(io.StringIO(text, newline=""))}
    assert names and all(name.startswith("'" + HYPERLINK) for name in names), names
    # Every report: no cell starts like a formula unless it is a plain number.
    for name in REPORTS:
        response = demo_client.get(f"/admin/reports/{name}.csv")
        assert response.status_code == 200, name
        cells = _cells(response.get_data(as_text=True))
        bad = [c for c in cells if c.startswith(FORMULA_LEADS) and not _is_number(c)]
        assert not bad, (name, bad[:3])
    team_cells = _cells(demo_client.get("/admin/reports/continuity-team.csv").get_data(as_text=True))
    assert "'@SUM(1+1)" in team_cells
    reasons = _cells(demo_client.get("/admin/reports/unassigned.csv").get_data(as_text=True))
    assert "'-2+3+cmd|' /C calc'!A0" in reasons


def test_import_templates_are_written_by_the_safe_writer(leader, north):
    team, week = north
    for url, columns in ((f"/rota/t/{team.id}/import/clients/template.csv", csv_import.CLIENT_COLUMNS),
                         (f"/rota/t/{team.id}/{week}/import/requests/template.csv", csv_import.REQUEST_COLUMNS)):
        response = leader.get(url)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))
        assert rows[0] == list(columns)
        assert not [c for row in rows for c in row if c.startswith(FORMULA_LEADS) and not _is_number(c)]
