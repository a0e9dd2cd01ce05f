"""Forms for the team leader's week. Choices are filled per team by the views, so only the team's
advisors, skills and types can be chosen (WTForms rejects anything else)."""
from __future__ import annotations

import re

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField, DateField, HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from caseload.form_once import Once
from caseload.forms import EndTimeField, Form, StartTimeField
from caseload.page_helpers import grid_time
from caseload.services.planning.problem import protected_over_working
from caseload.timegrid import SLOT_MINUTES

NONE = 0  # the "nobody" choice in advisor selects
COMPLEXITY = [SelectChoice(1, "1 · straightforward"), SelectChoice(2, "2 · some complexity"),
              SelectChoice(3, "3 · complex")]


class AbsenceForm(Once, Form):
    advisor = SelectField("Advisor", coerce=int, validators=[InputRequired()])
    start_day = DateField("First day", validators=[DataRequired()])
    end_day = DateField("Last day", validators=[Optional()])
    start_time = StartTimeField("From (leave empty for whole days)", validators=[Optional(), grid_time])
    end_time = EndTimeField("Until (24:00 is midnight at the end of the last day)", validators=[Optional(), grid_time])
    reason = StringField("Reason", default="leave", validators=[Length(max=120)])
    note = TextAreaField("Note", validators=[Optional(), Length(max=1000)])
    version = HiddenField()  # the edit form's: a change saved since it was opened is a 409

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        # Optional() stops a field's own validators when it is empty, so this check lives here.
        if ok and (self.start_time.data is None) != (self.end_time.data is None):
            self.end_time.errors = ["Give both times for part of a day, or neither for whole days."]
            return False
        return ok

    def validate_end_day(self, field):
        if field.data and self.start_day.data and field.data < self.start_day.data:
            raise ValidationError("The last day cannot be before the first day.")


WHOLE_NUMBER = re.compile(r"-?[0-9]+")  # what WholeNumberField reads as a number
MOST_PROTECTED = 60 * 40  # minutes a week: a whole 40-hour week (services/rota/week.set_protected_target's bound)


class WholeNumberField(IntegerField):
    """An IntegerField whose refusal of text that is not a whole number names the field and quotes the text (the
    page shows that text again: rota/views.set_protected, plan_views.plan_week); blank is left to InputRequired or
    Optional. `unit` and `example` finish the sentence ("minutes", "e.g. 240 for 4 hours")."""

    def __init__(self, label=None, validators=None, unit: str = "", example: str = "", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.unit, self.example = unit, example

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        # ASCII digits only, with an optional "-" (so a negative gets the range's message): int() alone also took
        # "2_40" as 240, "+240", and other scripts' digits ("٢٤٠"), none of which a leader meant as typed.
        if WHOLE_NUMBER.fullmatch(text):
            self.data = int(text)
        else:
            self.data = None
            raise ValueError(f"{self.label.text}: “{valuelist[0][:40]}” is not a whole number of {self.unit} "
                             f"({self.example}).")


class ScopeField(SelectField):
    """Which target a post sets; one that does not say (or says something else) is refused, naming the field."""

    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(f"{self.label.text}: choose this week only or every week.")


class ProtectedForm(Form):
    """One advisor's protected-time target on the team's week. The view sets `advisor_id` (whose row it is),
    `advisor_name` and `working_minutes` (their usual working week, problem.protected_target's `usual`; 0 when no
    work pattern is set, and then only the 0-2400 bound holds) before validating."""

    minutes = WholeNumberField("Protected minutes a week", validators=[
        InputRequired("Protected minutes a week: enter a whole number of minutes (0 for none)."),
        NumberRange(0, MOST_PROTECTED, f"Protected minutes a week: from 0 to {MOST_PROTECTED} minutes.")],
        unit="minutes", example="e.g. 240 for 4 hours")
    # "week": this week only (an override); "standing": the advisor's target for every week without one. No default:
    # a post that does not say which is refused rather than guessed.
    scope = ScopeField("Applies to", choices=[SelectChoice("week", "this week only"),
                                              SelectChoice("standing", "every week (standing target)")])
    advisor_id: int | None = None
    advisor_name: str = "the advisor"
    working_minutes: int = 0

    def validate_minutes(self, field):
        # More protected time than working time cannot be kept: a slip (an extra 0, hours for minutes).
        if field.data is not None and field.data <= MOST_PROTECTED and \
                (reason := protected_over_working(field.data, self.working_minutes, self.advisor_name)):
            raise ValidationError(f"Protected minutes a week: {reason}")


class ClientForm(Form):
    named_advisor = SelectField("Named advisor", coerce=int)
    need = SelectField("Need", coerce=int)
    complexity = SelectField("Complexity", coerce=int)
    # Not DataRequired: a missing or blank version is refused by the save as changed since (409, said in words);
    # as a hidden field's "This field is required." the 400 page showed no reason.
    version = HiddenField()


class NewClientForm(Once, ClientForm):
    reference = StringField("Reference", validators=[DataRequired(), Length(max=40)])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    version = HiddenField()


class RequestForm(Once, Form):
    client = StringField("Client reference", validators=[DataRequired(), Length(max=40)])
    type = SelectField("Appointment type", coerce=int)
    duration_minutes = IntegerField("Minutes (leave empty for the type's length)",
                                    validators=[Optional(), NumberRange(15, 480)])
    purpose = StringField("Purpose", validators=[Optional(), Length(max=200)])
    windows = TextAreaField("When the client can come (one window a line, e.g. \"tue 09:00-12:00\")",
                            validators=[DataRequired()])
    pinned_advisor = SelectField("Pin to advisor (optional)", coerce=int, default=NONE)
    pinned_day = DateField("Pinned day", validators=[Optional()])
    pinned_time = StartTimeField("Pinned start", validators=[Optional()])
    version = HiddenField()
    # What the edit form showed, so a changed type with untouched minutes takes the new type's length.
    type_shown = HiddenField()
    duration_shown = HiddenField()

    def validate_type(self, field):
        if field.data in (None, NONE):
            raise ValidationError("Choose the appointment type.")

    def validate_duration_minutes(self, field):
        if field.data is not None and field.data % SLOT_MINUTES:
            raise ValidationError(f"Use a multiple of {SLOT_MINUTES} minutes.")

    def validate_pinned_time(self, field):
        grid_time(self, field)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        pinned = self.pinned_advisor.data not in (None, NONE)
        if ok and pinned and (self.pinned_day.data is None or self.pinned_time.data is None):
            self.pinned_time.errors = ["A pin needs a day and a start time."]
            return False
        return ok


class ImportForm(Once, Form):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import.")])
    replace = BooleanField("Update clients that already exist (matched by reference)", default=False)


class ConfirmForm(Form):
    """An empty form: its only job is the CSRF token on POST buttons."""


class PlanForm(Form):
    time_limit = WholeNumberField("Time limit (seconds)", validators=[Optional(), NumberRange(
        1, 3600, "Time limit (seconds): from 1 to 3600 seconds, or leave it empty for the usual limit.")],
        unit="seconds", example="e.g. 60, or leave it empty")


class PublishForm(Form):
    version = HiddenField(validators=[DataRequired()])
    published = HiddenField(validators=[DataRequired()])


class MoveForm(Form):
    item = HiddenField(validators=[DataRequired()])
    advisor = SelectField("Advisor", coerce=int)
    day = DateField("Day", validators=[DataRequired()])
    time = StartTimeField("Start", validators=[DataRequired(), grid_time])
    pin = BooleanField("Pin it here (re-planning keeps it)", default=True)
    version = HiddenField(validators=[DataRequired()])
    # Asked for only when the move goes against the client's named advisor (adjust.move_warnings); audited.
    reason = TextAreaField("Reason (kept in the audit log)", validators=[Optional(), Length(max=500)])
    # A planner offer chosen in the team view (services/planning/move_offers.py token): its other moves come with it.
    offer = HiddenField(validators=[Optional(), Length(max=4000)])


class HandoverForm(Form):
    body = TextAreaField("Handover note for the covering advisor", validators=[DataRequired(), Length(max=4000)])
