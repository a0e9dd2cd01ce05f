"""caseload.timegrid.subtract_spans: working time minus absences (problem.py) and minus the hours of a started
week already gone (started.py) share this one helper."""
from __future__ import annotations

from datetime import datetime

from caseload.timegrid import subtract_spans


def _t(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2026-11-23T{hhmm}")


def _spans(*pairs):
    return [(_t(a), _t(b)) for a, b in pairs]


def test_a_cut_in_the_middle_leaves_two_spans_and_a_touching_cut_leaves_it_whole():
    assert subtract_spans(_spans(("09:00", "17:00")), _spans(("12:00", "13:00"))) == _spans(("09:00", "12:00"), ("13:00", "17:00"))
    assert subtract_spans(_spans(("09:00", "12:00")), _spans(("12:00", "13:00"), ("08:00", "09:00"))) == _spans(("09:00", "12:00"))


def test_cuts_over_an_edge_or_the_whole_span_take_only_that_time():
    spans = _spans(("09:00", "12:00"), ("13:00", "17:00"))
    assert subtract_spans(spans, _spans(("11:00", "14:00"))) == _spans(("09:00", "11:00"), ("14:00", "17:00"))
    assert subtract_spans(spans, _spans(("08:00", "12:30"), ("15:00", "15:15"))) == _spans(("13:00", "15:00"), ("15:15", "17:00"))
    assert subtract_spans(spans, _spans(("08:00", "18:00"))) == []
    assert subtract_spans(spans, []) == spans
