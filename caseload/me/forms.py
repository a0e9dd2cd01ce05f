"""Advisors' forms: notes, handovers, protected-time preferences, the calendar feed buttons."""
from __future__ import annotations

from wtforms import (
    DateField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField, TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from caseload.form_once import Once
from caseload.forms import EndTimeField, Form
from caseload.services.clients.notes import MAX_NOTE

# Monday to Friday only: the planner plans those five days (planning.problem.HORIZON_DAYS), so a Saturday or
# Sunday preference was offered and never used.
DAY_CHOICES = [SelectChoice(value, label) for value, label in (
    ("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"), ("fri", "Friday"))]


class WeekdayField(SelectField):
    def pre_validate(self, form):
        if self.data in ("sat", "sun"):
            raise StopValidation("Saturday and Sunday are never planned (the planner plans Monday to Friday): "
                                 "choose a weekday.")
        super().pre_validate(form)


class NoteForm(Once, Form):
    body = TextAreaField("Contact note", validators=[DataRequired(), Length(max=MAX_NOTE)])


class HandoverNoteForm(Once, Form):
    to = SelectField("Hand over to", coerce=int, validators=[InputRequired()])
    body = TextAreaField("Handover note", validators=[DataRequired(), Length(max=MAX_NOTE)])


class WeeklyPreferenceForm(Once, Form):
    day = WeekdayField("Day", choices=DAY_CHOICES)
    start = TimeField("From", validators=[DataRequired()])
    end = EndTimeField("Until", validators=[DataRequired()])


class CaseWorkBlockForm(Once, Form):
    class Meta:  # shares field names with the other form on its page
        id_prefix = "once-"

    on = DateField("Day", validators=[DataRequired()])
    start = TimeField("From", validators=[DataRequired()])
    end = EndTimeField("Until", validators=[DataRequired()])
    note = StringField("What for (optional)", validators=[Optional(), Length(max=120)])


class RemoveForm(Form):
    # The entry by its content (preferences.entry_key), not its list position: a position named another entry
    # once the list had changed (a removal in another window, a one-off dropping off after its day).
    entry = HiddenField(validators=[DataRequired(), Length(max=300)])


class ConfirmForm(Form):
    """Only carries the CSRF token for POST buttons."""

    confirm = HiddenField(default="1")
