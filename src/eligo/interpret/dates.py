"""Calendar arithmetic of SPEC §1: inclusive windows, calendar months, completed years."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from eligo.ir.nodes import Window

__all__ = ["age_in_years", "minus_months", "window_start"]


def minus_months(d: date, months: int) -> date:
    """Calendar months back, clamped to the month's end (2026-08-31 − 6 months = 2026-02-28)."""
    index = d.year * 12 + (d.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def window_start(window: Window, end: date) -> date:
    """First day inside ``window`` counted back from ``end`` (both ends are inside)."""
    if window.unit == "days":
        return end - timedelta(days=window.n)
    if window.unit == "months":
        return minus_months(end, window.n)
    if window.unit == "years":
        return minus_months(end, 12 * window.n)
    return date.min


def age_in_years(birth: date, on: date) -> int:
    """Whole years completed; a 29 February birthday is completed on 1 March in common years."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
