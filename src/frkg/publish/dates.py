"""Dates as pages show them: xsd:date, gYearMonth, gYear and dateTime literals in words.

A date known only to the month or the year is shown as that, never with a made-up day.
"""

from __future__ import annotations

import re

from frkg.namespaces import XSD

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DATE = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$")
_YEAR_MONTH = re.compile(r"^(-?\d{4,})-(\d{2})(Z|[+-]\d{2}:\d{2})?$")
_YEAR = re.compile(r"^(-?\d{4,})(Z|[+-]\d{2}:\d{2})?$")
_DATE_TIME = re.compile(
    r"^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$"
)


def format_date(lexical: str, datatype: str) -> tuple[str, str] | None:
    """(display, machine-readable) for a valid xsd date-like literal, else None."""
    if datatype == XSD + "date" and (m := _DATE.match(lexical)):
        year, month, day = m.group(1), int(m.group(2)), int(m.group(3))
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{day} {MONTHS[month - 1]} {int(year)}", f"{year}-{m.group(2)}-{m.group(3)}"
    elif datatype == XSD + "gYearMonth" and (m := _YEAR_MONTH.match(lexical)):
        year, month = m.group(1), int(m.group(2))
        if 1 <= month <= 12:
            return f"{MONTHS[month - 1]} {int(year)}", f"{year}-{m.group(2)}"
    elif datatype == XSD + "gYear" and (m := _YEAR.match(lexical)):
        return str(int(m.group(1))), m.group(1)
    elif datatype == XSD + "dateTime" and (m := _DATE_TIME.match(lexical)):
        month, day = int(m.group(2)), int(m.group(3))
        if 1 <= month <= 12 and 1 <= day <= 31:
            zone = m.group(8) or ""
            zone = " UTC" if zone == "Z" else (f" {zone}" if zone else "")
            shown = f"{day} {MONTHS[month - 1]} {int(m.group(1))}, {m.group(4)}:{m.group(5)}{zone}"
            return shown, lexical
    return None
