"""Advisors' forms: notes, handovers, protected-time preferences, the calendar feed buttons."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField, HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField, TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from caseload.services.notes import MAX_NOTE

DAY_CHOICES = [SelectChoice(value, label) for value, label in (
    ("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"), ("fri", "Friday"),
    ("sat", "Saturday"), ("sun", "Sunday"))]


class NoteForm(FlaskForm):
    body = TextAreaField("Contact note", validators=[DataRequired(), Length(max=MAX_NOTE)])


class HandoverNoteForm(FlaskForm):
    to = SelectField("Hand over to", coerce=int, validators=[InputRequired()])
    body = TextAreaField("Handover note", validators=[DataRequired(), Length(max=MAX_NOTE)])


class WeeklyPreferenceForm(FlaskForm):
    day = SelectField("Day", choices=DAY_CHOICES)
    start = TimeField("From", validators=[DataRequired()])
    end = TimeField("Until", validators=[DataRequired()])


class CaseWorkBlockForm(FlaskForm):
    on = DateField("Day", validators=[DataRequired()])
    start = TimeField("From", validators=[DataRequired()])
    end = TimeField("Until", validators=[DataRequired()])
    note = StringField("What for (optional)", validators=[Optional(), Length(max=120)])


class RemoveForm(FlaskForm):
    index = IntegerField(validators=[InputRequired()])


class ConfirmForm(FlaskForm):
    """Only carries the CSRF token for POST buttons."""

    confirm = HiddenField(default="1")
