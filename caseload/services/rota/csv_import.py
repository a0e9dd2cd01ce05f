"""All-or-nothing CSV import of clients and of a week's appointment requests.

Every row is checked before anything is written; one bad row and nothing changes, and the leader gets
every bad row with its line number and field. Files must be UTF-8 (with or without a byte-order mark).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.exc import DataError, IntegrityError

from caseload.extensions import db
from caseload.localtime import NoSuchLocalTime, to_local, typed_to_utc
from caseload.models import WEEKDAYS, Advisor, AppointmentRequest, AppointmentType, Client, RequestWindow, Skill, Team
from caseload.services import audit
from caseload.services.clients import erased_reference, reference_lookup
from caseload.services.people import skill_codes
from caseload.services.rota import pins
from caseload.services.rota import requests as rota_requests
from caseload.services.rota import type_codes
from caseload.services.rota import week as rota
from caseload.services.rota.coverage import Coverage
from caseload.services.team_lock import lock_team
from caseload.services.csv_export import csv_text
from caseload.services.planning.problem import team_advisors
from caseload.values import ValueRejected, name_key, parse_day, stored_as, text_problem
from caseload.timegrid import MIDNIGHT_END, START_REFUSED, OffGrid, check_on_grid, whole_minutes

MAX_BYTES = 5 * 1024 * 1024
CLIENT_COLUMNS = {
    "reference": "required; unique within the team, e.g. N0151",
    "name": "required",
    "named_advisor": "optional; the advisor's name or username (empty: not allocated yet)",
    "need": "optional; a skill code",  # client_columns() lists the codes in the database
    "complexity": "optional; 1, 2 or 3 (default 1)",
}
REQUEST_COLUMNS = {
    "client": "required; the client's reference",
    "type": "required; an appointment type code",  # request_columns() lists the active types in the database
    "duration_minutes": "optional; a multiple of 15 (default: the type's length)",
    "windows": 'required; when the client can come, e.g. "mon 09:00-12:00; wed 13:00-17:00" or "2026-11-24 09:00-17:00"',
    "pinned_advisor": "optional; pin to this advisor (name or username)",
    "pinned_start": 'optional with pinned_advisor; e.g. "tue 10:00", "2026-11-24 10:00" or "2026-11-24T10:00"',
    "purpose": "optional",
}
_EXAMPLE_DAY = "2026-11-24"  # the dated examples above; request_columns() moves them into the week shown


def _codes(found: list[str]) -> str:
    return f" ({', '.join(found)})" if found else " (none set up yet: an administrator adds them)"


def client_columns() -> dict[str, str]:
    """CLIENT_COLUMNS as the import page explains them, with the skill codes as they are in the database (a new
    skill is listed as soon as it is added)."""
    skills = list(db.session.scalars(select(Skill.code).order_by(Skill.code)))
    return {**CLIENT_COLUMNS, "need": CLIENT_COLUMNS["need"] + _codes(skills)}


def request_columns(week_start: date) -> dict[str, str]:
    """REQUEST_COLUMNS with the dated examples on the Tuesday of `week_start`, so they import in that week, and
    the active appointment type codes as they are in the database (a new type is listed as soon as it is added)."""
    tuesday = (week_start + timedelta(days=1)).isoformat()
    types = list(db.session.scalars(select(AppointmentType.code).where(AppointmentType.active.is_(True))
                                    .order_by(AppointmentType.code)))
    columns = {name: text.replace(_EXAMPLE_DAY, tuesday) for name, text in REQUEST_COLUMNS.items()}
    return {**columns, "type": columns["type"] + _codes(types)}
# Generic examples, for a team without advisors, clients or types (csv_templates.py uses the team's own).
CLIENT_EXAMPLE = [["N0901", "Jo Bloggs", "Asha Patel", "debt", "2"], ["N0902", "Sam Smith", "", "housing", "1"]]
REQUEST_EXAMPLE = [["N0901", "follow-up", "30", "mon 09:00-12:00; wed 13:00-17:00", "", "", "Budget review"],
                   ["N0902", "first-meeting", "60", "tue 09:00-17:00", "", "", ""]]


def _lengths(model, *columns: str) -> dict[str, int]:
    """{column: the most characters its database column holds}, read from the model's String(n) so the import's
    limits cannot drift from the schema (PostgreSQL refuses a longer value, SQLite keeps it whole)."""
    return {name: model.__table__.c[name].type.length for name in columns}


# The CSV columns stored as text, with their database lengths (the forms and the API refuse the same).
CLIENT_LENGTHS = _lengths(Client, "reference", "name")
REQUEST_LENGTHS = _lengths(AppointmentRequest, "purpose")


def too_long(text: str, limit: int | None) -> str | None:
    """Why `text` does not fit a column of `limit` characters (after the column's name), or None."""
    if limit is None or len(text) <= limit:
        return None
    return f"is longer than {limit} characters (it has {len(text)}); shorten it"


# The service's field names -> this file's columns, so an error names the column the leader wrote.
COLUMN_OF = {"pinned_day": "pinned_start", "pinned_time": "pinned_start", "type": "type"}


@dataclass
class RowError:
    line: int | None
    field: str | None
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # imported, but the planner cannot place them as they are

    @property
    def ok(self) -> bool:
        return not self.errors


class FileRejected(ValueError):
    """The file as a whole cannot be read (encoding, empty, missing columns)."""


def template_csv(columns: dict, example: list[list[str]]) -> str:
    return csv_text(list(columns), example)


def decode(data: bytes) -> str:
    if not data or not data.strip():
        raise FileRejected("The file is empty.")
    if len(data) > MAX_BYTES:
        raise FileRejected(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected("The file is UTF-16 text, not UTF-8: save it as \"CSV UTF-8\" and import it again.")
    if b"\x00" in data:  # binary, or text no database column can hold (PostgreSQL refuses NUL)
        at = data.index(b"\x00")
        line = data.count(b"\n", 0, at) + 1
        if data.count(b"\x00") > 8:  # UTF-16 without its mark, or a binary file
            raise FileRejected("The file contains NUL characters, so it is not a CSV text file: save it as "
                               "\"CSV UTF-8\".")
        raise FileRejected(f"Line {line} contains a NUL character (\\0), which cannot be stored: remove it and "
                           "import the file again (nothing was imported).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FileRejected(f"The file is not UTF-8 text (byte {err.start + 1} cannot be read): "
                           "save it as \"CSV UTF-8\" and import it again.") from None


def read_rows(data: bytes, columns: dict) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row; the header is the first line that is not blank (blank lines before
    it, as some spreadsheets write, and between rows are skipped)."""
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    try:
        header = next(reader)
        while not any(h.strip() for h in header):  # a blank line above the header is not the header
            header = next(reader)
    except StopIteration:
        raise FileRejected("The file is empty.") from None
    except csv.Error as err:
        raise FileRejected(f"Line {reader.line_num}: {err}") from None
    header_line = reader.line_num
    names = [h.strip().lower() for h in header]
    # A column named twice: the row kept the last one's value without a word ("reference,reference" imported
    # the second), so which value was meant is the user's to say.
    twice = sorted({n for n in names if n in columns and names.count(n) > 1})
    if twice:
        raise FileRejected(f"Line {header_line}: the column{'s' if len(twice) > 1 else ''} {', '.join(twice)} "
                           f"{'are' if len(twice) > 1 else 'is'} named more than once; keep one of each.")
    required = [c for c, doc in columns.items() if doc.startswith("required")]
    missing = [c for c in required if c not in names]
    if missing:
        raise FileRejected(f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
                           f"The first line must name the columns: {', '.join(columns)}.")
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            row = {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(names)}
            if len(values) > len(names):
                row["__extra__"] = "yes"
            rows.append((reader.line_num, row))
    except csv.Error as err:
        raise FileRejected(f"Line {reader.line_num}: {err}") from None
    if not rows:
        raise FileRejected("The file has a header line but no rows.")
    return rows


MULTILINE_COLUMNS = ("windows",)  # a quoted cell may put one window a line


def text_errors(rows: list[tuple[int, dict[str, str]]]) -> list[RowError]:
    """A RowError for each cell holding control or broken characters (values.text_problem)."""
    errors = []
    for line, row in rows:
        for column, text in row.items():
            problem = text_problem(text, multiline=column in MULTILINE_COLUMNS) if not column.startswith("__") else None
            if problem:
                errors.append(RowError(line, column, problem.rstrip(".")))
    return errors


def _advisor_lookup(team: Team):
    advisors = team_advisors(team)
    by_name: dict[str, list[Advisor]] = {}
    for a in advisors:
        by_name.setdefault(name_key(a.name), []).append(a)  # case and ZWNJ/ZWJ ignored, as searches do
        if a.user is not None and name_key(a.user.username) != name_key(a.name):  # listed once, not "more than one"
            by_name.setdefault(name_key(a.user.username), []).append(a)

    def find(text: str, column: str, errors: list, line: int) -> Advisor | None:
        matches = by_name.get(name_key(text), [])
        if len(matches) != 1:
            errors.append(RowError(line, column, f'no advisor "{text}" in team {team.name}' if not matches
                                   else f'"{text}" names more than one advisor; use the username'))
            return None
        return matches[0]

    return find


def _checked_rows(data: bytes, columns: dict) -> tuple[ImportResult, list[tuple[int, dict[str, str]]]]:
    """(result, rows) of a CSV file read against `columns`: the file's rows, or none and the result's errors
    (a file refused whole, or each cell holding control or broken characters)."""
    result = ImportResult()
    try:
        rows = read_rows(data, columns)
    except FileRejected as err:
        result.errors.append(RowError(None, None, str(err)))
        return result, []
    result.errors = text_errors(rows)
    return result, rows


def import_clients(team: Team, data: bytes, by, update_existing: bool = False) -> ImportResult:
    """Create (or, if asked, update) the team's clients from a CSV file; nothing is saved if any row is bad."""
    result, rows = _checked_rows(data, CLIENT_COLUMNS)
    if result.errors:
        return result
    skills = skill_codes.skills_by_key()  # "Debt " names "debt", as the API's need does
    find_advisor = _advisor_lookup(team)
    # Only this team's clients: references are unique per team, and another team's are none of its business.
    # The whole team's clients in one query (an IN list of a 4 MB file's 70,000 references would pass
    # PostgreSQL's 65,535 parameters).
    # References are compared by values.name_key (case and ZWNJ/ZWJ ignored), as the form's check compares them;
    # of look-alikes stored before migration 0021, the one written exactly (reference_lookup), never either.
    existing = reference_lookup.ReferenceIndex(team, db.session.scalars(select(Client).where(Client.team_id == team.id)))
    seen: dict[str, tuple[int, str]] = {}  # key -> (line, the reference as written there)
    changes = []
    for line, row in rows:
        errors = result.errors
        before = len(errors)
        reference = row["reference"]
        if row.get("__extra__"):
            errors.append(RowError(line, None, "more values than columns (is a comma missing its quotes?)"))
        if not reference:
            errors.append(RowError(line, "reference", "is empty"))
        elif too_long(reference, CLIENT_LENGTHS["reference"]):
            errors.append(RowError(line, "reference", too_long(reference, CLIENT_LENGTHS["reference"])))
        elif name_key(reference) in seen:
            first_line, first = seen[name_key(reference)]
            errors.append(RowError(line, "reference", f"{reference} is also on line {first_line}"
                                   + stored_as(first, reference, "written")))
        else:
            seen[name_key(reference)] = (line, reference)
        if not row["name"]:
            errors.append(RowError(line, "name", "is empty"))
        elif too_long(row["name"], CLIENT_LENGTHS["name"]):  # refused as the form refuses it, not cut short
            errors.append(RowError(line, "name", too_long(row["name"], CLIENT_LENGTHS["name"])))
        advisor = find_advisor(row["named_advisor"], "named_advisor", errors, line) if row.get("named_advisor") else None
        need = skills.get(skill_codes.code_key(row["need"])) if row.get("need") else None
        if row.get("need") and need is None:
            errors.append(RowError(line, "need", f'unknown skill "{row["need"]}" (one of {", ".join(sorted(skills))})'))
        complexity = row.get("complexity") or "1"
        if complexity not in ("1", "2", "3"):
            errors.append(RowError(line, "complexity", f'"{complexity}" is not 1, 2 or 3'))
        try:
            client = existing.find(reference)  # updated under its stored reference, as written there
        except reference_lookup.AmbiguousReference as err:
            client = None
            errors.append(RowError(line, "reference", str(err) if update_existing else
                                   f"team {team.name} already has {reference} (stored as {', '.join(err.stored)}: "
                                   f"they differ only by {err.apart})"))
        else:
            # A new client may not take the prefix erasure uses; one that has held such a reference since before
            # the rule is found above and updated under it (refusing its row would leave it unchangeable by file).
            if client is None and reference and not too_long(reference, CLIENT_LENGTHS["reference"]) and \
                    (reserved := erased_reference.reserved_problem(reference)):
                errors.append(RowError(line, "reference", reserved))
        if client is not None and not update_existing:
            errors.append(RowError(line, "reference", f"team {team.name} already has {reference}"
                                   f"{stored_as(client.reference, reference)}; tick 'update clients that already "
                                   "exist' to change it"))
        elif client is not None and client.erased_at is not None:
            errors.append(RowError(line, "reference", f"{reference} was erased and cannot be updated"))
        if len(errors) == before:
            changes.append((line, client, reference, row["name"], advisor, need, int(complexity)))
    if result.errors:
        return result
    added = []
    new_lines = {}  # name_key -> (line, reference) of each new client, to name the row a racing save took
    for line, client, reference, name, advisor, need, complexity in changes:
        if client is None:  # new clients go in with one bulk INSERT (a 4 MB file: about 75,000 rows)
            # reference_key: the column's default (models.name_keys) fills it for a bulk INSERT too.
            added.append({"team_id": team.id, "reference": reference, "name": name, "complexity": complexity,
                          "named_advisor_id": advisor.id if advisor else None, "need_id": need.id if need else None,
                          "version_id": 1})
            new_lines[name_key(reference)] = (line, reference)
        else:
            client.name, client.named_advisor, client.need, client.complexity = name, advisor, need, complexity
            result.updated += 1
    result.created = len(added)
    try:
        if added:
            db.session.execute(insert(Client), added)
        audit.record("clients_imported", user=by, obj=team, created=result.created, updated=result.updated)
        db.session.commit()
    except IntegrityError:  # a form or another import added one of these references (or a look-alike) since the check
        db.session.rollback()
        return ImportResult(errors=_raced(team, new_lines))
    except DataError as err:  # the last line of defence: a value the checks above let through
        db.session.rollback()
        return ImportResult(errors=[_refused(err)])
    return result


def _raced(team: Team, new_lines: dict[str, tuple[int, str]]) -> list[RowError]:
    """The rows refused because `team` gained their reference, or one that looks the same (the UNIQUE
    reference_key), while the file was read: each naming its line and the stored twin; one general error when the
    clash is not found again (the other save was undone)."""
    # The team's keys in one query, as import_clients reads them (an IN list could pass PostgreSQL's parameters).
    stored = dict(db.session.execute(select(Client.reference_key, Client.reference).where(
        Client.team_id == team.id, Client.reference_key.is_not(None))).all())
    errors = [RowError(line, "reference", f"team {team.name} gained {reference}{stored_as(stored[key], reference)} "
                       "while the file was read; nothing was saved")
              for key, (line, reference) in sorted(new_lines.items(), key=lambda item: item[1][0]) if key in stored]
    return errors or [RowError(None, "reference", f"team {team.name} gained one of these references while the file "
                               "was read; nothing was saved: import it again")]


def _refused(err: DataError) -> RowError:
    """The database's refusal of a value every check above passed (a limit the checks missed): said plainly, as
    a file error, instead of a 500; nothing was written (the caller rolled back)."""
    return RowError(None, None, "The database refused a value in this file (" + str(err.orig).splitlines()[0]
                    + "); nothing was imported. Check the lengths and formats of the values and import it again.")


_API_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt](\S+)")  # the API's YYYY-MM-DDTHH:MM, as its exports write it


def _pinned_start(text: str, week_start: date, tz: str) -> datetime:
    """A pin's start from "tue 10:00", "2026-11-24 10:00" or the API's "2026-11-24T10:00"; ValueError else (OffGrid
    saying why for a time off the grid or 24:00, which ends a day and starts nothing)."""
    text = _API_TIME.sub(r"\1 \2", text.strip())
    day_text, _, clock = text.partition(" ")
    clock = whole_minutes(clock.strip())  # "10:00:00" is 10:00, as the windows column reads it (timegrid.clock)
    day = (week_start + timedelta(days=WEEKDAYS.index(day_text[:3].lower())) if day_text[:3].lower() in WEEKDAYS
           else parse_day(day_text))
    if clock.strip() == MIDNIGHT_END:  # strptime's refusal would say only that it is not like "tue 10:00"
        raise OffGrid(f"{MIDNIGHT_END}: {START_REFUSED}")
    if not clock.strip().isascii():  # strptime reads "1٠:00" as 10:00; the windows column refuses it (timegrid.clock)
        raise ValueError(clock)
    moment = datetime.strptime(clock.strip(), "%H:%M").time()
    check_on_grid(moment, clock.strip())
    return typed_to_utc(day, moment, tz)


def _request_row(team, week_start, line, row, types, find_advisor, errors, book, clients) -> rota_requests.RequestFields | None:
    before = len(errors)
    client = None
    try:  # by its key: case and ZWNJ/ZWJ ignored, as the request form finds it (reference_lookup)
        client = clients.find(row["client"]) if row["client"] else None
        if client is None:
            errors.append(RowError(line, "client", f'no client "{row["client"]}" in team {team.name}'))
    except reference_lookup.AmbiguousReference as err:
        errors.append(RowError(line, "client", str(err)))
    kind = types.get(type_codes.code_key(row["type"]))
    if kind is None:
        errors.append(RowError(line, "type", f'unknown appointment type "{row["type"]}" (one of {", ".join(sorted(types))})'))
    duration = None
    if row.get("duration_minutes"):
        try:
            duration = int(row["duration_minutes"])
            rota_requests.check_duration(duration)
        except (ValueError, rota.RotaError):
            errors.append(RowError(line, "duration_minutes", f'"{row["duration_minutes"]}" is not a multiple of 15 minutes'))
    windows = []
    try:
        windows = rota_requests.parse_windows(row["windows"], week_start, team.timezone)
    except rota.RotaError as err:
        errors.append(RowError(line, "windows", str(err)))
    if too_long(row.get("purpose", ""), REQUEST_LENGTHS["purpose"]):
        errors.append(RowError(line, "purpose", too_long(row["purpose"], REQUEST_LENGTHS["purpose"])))
    pinned_advisor = pinned_start = None
    if row.get("pinned_advisor") or row.get("pinned_start"):
        if not (row.get("pinned_advisor") and row.get("pinned_start")):
            errors.append(RowError(line, "pinned_start", "a pin needs both pinned_advisor and pinned_start"))
        else:
            pinned_advisor = find_advisor(row["pinned_advisor"], "pinned_advisor", errors, line)
            try:
                pinned_start = _pinned_start(row["pinned_start"], week_start, team.timezone)
            except (ValueRejected, OffGrid) as err:
                errors.append(RowError(line, "pinned_start", str(err)))
            except NoSuchLocalTime as err:  # a time the clocks skip: before ValueError, which it is
                errors.append(RowError(line, "pinned_start", str(err)))
            except ValueError:
                errors.append(RowError(line, "pinned_start", f'"{row["pinned_start"]}" is not like "tue 10:00"'))
    if len(errors) != before:
        return None
    fields = rota_requests.RequestFields(client=client, type=kind, duration_minutes=duration or kind.default_minutes,
                                windows=windows, purpose=(row.get("purpose") or None), pinned_advisor=pinned_advisor,
                                pinned_start=pinned_start)
    try:
        rota_requests.check_request(team, week_start, fields, book=book, hours=book.hours)
    except rota.RotaError as err:
        errors.append(RowError(line, COLUMN_OF.get(err.field, err.field), str(err)))
        return None
    return fields


def _client_seen(clients: reference_lookup.ReferenceIndex, typed: str) -> tuple:
    """What a row's client is compared on against earlier rows: the found client's id; the typed key when none is
    found or the reference is ambiguous (the row is refused for that anyway, by _request_row)."""
    try:
        client = clients.find(typed) if typed else None
    except reference_lookup.AmbiguousReference:
        client = None
    return ("id", client.id) if client is not None else ("key", name_key(typed))


def import_requests(team: Team, week_start: date, data: bytes, by) -> ImportResult:
    """Add the week's appointment requests from a CSV file; nothing is saved if any row is bad.

    Rows are checked one by one against lookups read once (clients, types, advisors, the week's pins), and
    the good ones written with two bulk INSERTs (requests, then windows) instead of one ORM object each: a
    4 MB file (about 70,000 rows) imports in seconds, well inside gunicorn's 30 s timeout."""
    result, rows = _checked_rows(data, REQUEST_COLUMNS)
    if result.errors:
        return result
    types = type_codes.active_types_by_key()  # "Follow-Up" names "follow-up", as the API's type does
    find_advisor = _advisor_lookup(team)
    clients = reference_lookup.ReferenceIndex(team, rota.team_clients(team))  # one query, not one a row
    if any((row.get("pinned_advisor") or "").strip() for _, row in rows):
        lock_team(team)  # the stored pins cannot change until this file's are saved (or refused)
    book = pins.PinBook(pins.week_pins(team.id, week_start, team.timezone))  # stored pins, then this file's
    seen: dict[tuple, int] = {}
    accepted: list[tuple[int, rota_requests.RequestFields]] = []
    for line, row in rows:
        # The client as it is found (reference_lookup), looked up first: "AB-12" and "ab-12" (or with a ZWJ) are one
        # client's request, but rows naming two old look-alike clients (stored "AB-12" and "ab-12") are two.
        key = tuple(sorted((k, _client_seen(clients, v) if k == "client" else v.lower()) for k, v in row.items()))
        if key in seen:
            result.errors.append(RowError(line, None, f"the same request as line {seen[key]}"))
            continue
        seen[key] = line
        fields = _request_row(team, week_start, line, row, types, find_advisor, result.errors, book, clients)
        if fields is not None:
            accepted.append((line, fields))
            if fields.pinned_advisor is not None:
                book.add(pins.make_pin(None, fields.client, fields.pinned_advisor, fields.pinned_start,
                                       fields.duration_minutes, team.timezone))
    if result.errors:
        db.session.rollback()  # nothing was added: nothing to undo but the read
        return result
    tz, coverage = team.timezone, Coverage(team, week_start)
    times = [rota_requests.window_times(fields.windows, tz) for _, fields in accepted]
    for (line, fields), spans in zip(accepted, times):
        local = [(to_local(a, tz).replace(tzinfo=None), to_local(b, tz).replace(tzinfo=None)) for a, b in spans]
        result.warnings += [RowError(line, "windows", w) for w in coverage.warnings_for(
            local, fields.duration_minutes, fields.type, fields.client)]
    try:
        result.created = _insert_requests(team, week_start, accepted, times)
        audit.record("requests_imported", user=by, obj=team, week=week_start.isoformat(), created=result.created)
        db.session.commit()
    except IntegrityError:  # a client or advisor removed while the file was read
        db.session.rollback()
        return ImportResult(errors=[RowError(None, None, f"team {team.name} changed while the file was read (a client, "
                                             "type or advisor it names was removed); nothing was saved: import it "
                                             "again")])
    except DataError as err:
        db.session.rollback()
        return ImportResult(errors=[_refused(err)])
    return result


def _insert_requests(team: Team, week_start: date, accepted, times) -> int:
    """Write the checked rows with two bulk INSERTs (requests, then their windows); how many requests."""
    ids = db.session.scalars(insert(AppointmentRequest).returning(AppointmentRequest.id, sort_by_parameter_order=True), [
        {"team_id": team.id, "week_start": week_start, "client_id": f.client.id, "type_id": f.type.id,
         "duration_minutes": f.duration_minutes, "purpose": f.purpose or f.type.name, "version_id": 1,
         "pinned_advisor_id": f.pinned_advisor.id if f.pinned_advisor else None, "pinned_start": f.pinned_start}
        for _, f in accepted]).all()
    db.session.execute(insert(RequestWindow), [{"request_id": rid, "starts_at": a, "ends_at": b}
                                               for rid, spans in zip(ids, times) for a, b in spans])
    return len(ids)
