"""The booking desk's forms: what to book, the offer chosen, cancelling, attendance."""
from __future__ import annotations

from datetime import date

from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from caseload.forms import Form
from caseload.values import week_problem

WINDOWS_HINT = 'One per line: a weekday or a date, then the times, e.g. "tue 09:00-12:00" or "2026-12-03 13:00-17:00".'


REPEAT = [SelectChoice(v, label) for v, label in (
    ("", "Once"), ("1", "Every week"), ("2", "Every 2 weeks"), ("4", "Every 4 weeks"))]


TYPE_NONE = SelectChoice("", "— choose a type —")  # the list opens on this, not on whichever type is first
TYPE_MISSING = "Choose an appointment type."


def _type_id(value) -> int | None:
    """An appointment type's id from the form; '' (the "choose a type" line) is none."""
    return None if value in ("", None) else int(value)


class AskForm(Form):
    """What the client needs; the duration and kind follow the type (required: no type is preselected)."""

    type = SelectField("Appointment type", coerce=_type_id, validators=[InputRequired(TYPE_MISSING)])
    week = SelectField("Week of", validators=[InputRequired()])
    windows = TextAreaField("Days and times the client can come", validators=[DataRequired(), Length(max=2000)])
    purpose = StringField("Purpose (optional)", validators=[Optional(), Length(max=200)])
    repeat = SelectField("Repeat", choices=REPEAT, default="", validators=[Optional()])
    count = IntegerField("How many times in all (a series)", validators=[Optional()])
    replacing = HiddenField("Appointment rebooked", validators=[Optional(), Length(max=12)])
    back = HiddenField("Back to", validators=[Optional(), Length(max=12)])  # "broken": the absences' broken list
    # "Book this request": the id of the unplaced planning request this booking takes the place of.
    fulfils = HiddenField("Request booked", validators=[Optional(), Length(max=12)])
    # A team leader's reason to rebook inside the minimum notice (services/desk/notice_override); length checked there.
    notice_override = StringField("Why rebook inside the minimum notice", validators=[Optional(), Length(max=400)])
    # The week the page pre-filled the times for, and that text: a search whose times are still those defaults but
    # for another week gets that week's defaults (views.defaults_follow_week). Before, the current week's from-now
    # lines ("tue 14:15-17:00", no Monday) went with a later week's search.
    default_week = HiddenField("Times filled in for week", validators=[Optional(), Length(max=10)])
    default_windows = HiddenField("Times filled in", validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.type.errors:  # not WTForms' "Not a valid choice" / "could not coerce": say what to do
            self.type.errors = [TYPE_MISSING]
        if self.week.errors and self.week.data:  # a week typed into the link: why it is not one of the choices
            self.week.errors = [week_words(self.week.data, len(self.week.choices or []))]
        return ok


def week_words(text: str, weeks: int) -> str:
    """Why `text` is not a week the desk books: not a date, not a Monday, outside the weeks the app plans
    (values.week_problem, the sentences every way in gives), else past or too far ahead."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return f"{text!r} is not a date YYYY-MM-DD: choose one of the weeks listed."
    return week_problem(day) or f"The desk books this week and the next {weeks - 1}: choose one of the weeks listed."


class BookForm(AskForm):
    """An offer chosen: the ask again (hidden) and the advisor and start of the offer."""

    advisor = HiddenField("Advisor", validators=[InputRequired()])
    start = HiddenField("Start", validators=[InputRequired()])
    starts = HiddenField("Starts of the series", validators=[Optional(), Length(max=2000)])
    nonce = HiddenField("Form", validators=[Optional(), Length(max=64)])  # one per offers page: a double submit books once


class CancelForm(Form):
    """Cancel (or cancel the rest of a series). Whether it is late is the service's policy (services/desk/policy.py),
    not the form's: inside the late-cancellation window before the start it is recorded as late."""
    reason = StringField("Reason (optional)", validators=[Optional(), Length(max=200)])


ATTENDANCE = [SelectChoice(v, label) for v, label in (
    ("attended", "Attended"), ("dna", "Did not attend (DNA)"), ("cancelled_late", "Cancelled late"))]


class OutcomeField(SelectField):
    """No outcome is chosen for the user: the page offers an empty "Choose…" first, and a Save without a choice
    is refused (a stray Save recorded "Attended" and so a visit)."""

    def pre_validate(self, form):
        if not self.data:
            raise StopValidation("choose what happened: Attended, Did not attend (DNA) or Cancelled late.")
        super().pre_validate(form)


class AttendanceForm(Form):
    outcome = OutcomeField("Attendance", choices=ATTENDANCE, validators=[InputRequired()])
    back = HiddenField()  # "me" or a My week path: where to return (desk.views.attendance_back, an allow-list)
    # The attendance the page showed ("" none yet): recorded as something else since is a 409 (attendance.mark).
    # Absent (an older page, a hand-made post): not checked.
    seen = HiddenField(filters=[lambda v: v if v in ("", "attended", "dna", "cancelled_late") else None])
