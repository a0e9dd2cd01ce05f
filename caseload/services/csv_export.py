"""The one CSV writer for every download (reports, import templates): cells a spreadsheet would run as a
formula are written as text.

A spreadsheet treats a cell starting with `=`, `+`, `-` or `@` as a formula, and one starting with a tab or
a carriage return may be trimmed into one; an advisor named `=HYPERLINK("http://x","y")` would otherwise
become a live link in a leader's report (CSV injection, CWE-1236). Such a cell gets a leading apostrophe,
the OWASP mitigation: spreadsheets show the text and keep the apostrophe out of the value. Numbers stay
numbers: an int or float, or text that is a plain decimal number such as "-15" or "+0.5", cannot carry a
formula, so a negative figure still reads as a number. What comes before the lead character and shows as
nothing (spaces, a line feed, invisible formatting characters such as U+200B or U+202E, which a spreadsheet's
import may drop) does not hide it: " =1+1" and "\u200b=1+1" get the apostrophe too.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Iterable

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(value):
    """`value` as it may stand in a CSV cell: formula-leading text gets a leading "'"; anything else as is."""
    if isinstance(value, str) and _shown_start(value).startswith(FORMULA_LEADS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _shown_start(text: str) -> str:
    """`text` from its first character that shows: leading spaces, line feeds and format characters (Cf) dropped."""
    start = 0
    while start < len(text) and (text[start] in " \n" or unicodedata.category(text[start]) == "Cf"):
        start += 1
    return text[start:]


def csv_text(header: Iterable, rows: Iterable[Iterable], lineterminator: str = "\r\n") -> str:
    """A CSV document (the csv module's "excel" dialect): the header line, then one line per row, every cell
    passed through safe_cell()."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
