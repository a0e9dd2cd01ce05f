"""The booking desk's forms: what to book, the offer chosen, cancelling, attendance."""
from __future__ import annotations

from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from caseload.forms import Form

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

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.type.errors:  # not WTForms' "Not a valid choice" / "could not coerce": say what to do
            self.type.errors = [TYPE_MISSING]
        return ok


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


class AttendanceForm(Form):
    outcome = SelectField("Attendance", choices=ATTENDANCE, validators=[InputRequired()])
