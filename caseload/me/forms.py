"""Advisors' forms: notes, handovers, protected-time preferences, the calendar feed buttons."""
from __future__ import annotations

from wtforms import (
    DateField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation

from caseload.desk.forms import TYPE_MISSING, WINDOWS_HINT, _type_id, week_words
from caseload.form_once import Once
from caseload.forms import EndTimeField, Form, StartTimeField
from caseload.rota.forms import WholeNumberField
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


class FollowUpForm(Once, Form):
    """An advisor's "Ask for a follow-up" (services/clients/follow_ups.py): the view fills the type and week
    choices (the support types, the weeks the desk books)."""

    class Meta:  # shares the page with the note and handover forms
        id_prefix = "follow-up-"

    type = SelectField("Appointment type", coerce=_type_id, validators=[InputRequired(TYPE_MISSING)])
    week = SelectField("Week of", validators=[InputRequired()])
    windows = TextAreaField("Days and times the client can come (optional)",
                            validators=[Optional(), Length(max=2000)], description=WINDOWS_HINT)
    duration_minutes = WholeNumberField("Minutes (leave empty for the type's length)", validators=[
        Optional(), NumberRange(15, 480, "Minutes: from 15 to 480, or leave it empty for the type's length.")],
        unit="minutes", example="e.g. 45, or leave it empty")
    note = StringField("Note for the planner (optional)", validators=[Optional(), Length(max=200)])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.type.errors:  # not WTForms' "Not a valid choice": say what to do
            self.type.errors = [TYPE_MISSING]
        if self.week.errors and self.week.data:  # a week typed into the post: why it is not one listed
            self.week.errors = [week_words(self.week.data, len(self.week.choices or []))]
        return ok


class WeeklyPreferenceForm(Once, Form):
    day = WeekdayField("Day", choices=DAY_CHOICES)
    start = StartTimeField("From", validators=[DataRequired()])
    end = EndTimeField("Until", validators=[DataRequired()])


class CaseWorkBlockForm(Once, Form):
    class Meta:  # shares field names with the other form on its page
        id_prefix = "once-"

    on = DateField("Day", validators=[DataRequired()])
    start = StartTimeField("From", validators=[DataRequired()])
    end = EndTimeField("Until", validators=[DataRequired()])
    note = StringField("What for (optional)", validators=[Optional(), Length(max=120)])


class RemoveForm(Form):
    # The entry by its content (preferences.entry_key), not its list position: a position named another entry
    # once the list had changed (a removal in another window, a one-off dropping off after its day).
    entry = HiddenField(validators=[DataRequired(), Length(max=300)])


class ConfirmForm(Form):
    """Only carries the CSRF token for POST buttons."""

    confirm = HiddenField(default="1")
