"""Window bounds: computed once in Python, bound as dates by both engines.

Months and years are calendar units clamped to the month's end
(2026-03-31 − 1 month = 2026-02-28), like pandas' DateOffset.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from prescreen.criteria.model import Duration, Window


def shift(day: date, duration: Duration, sign: int = 1) -> date:
    """`day` moved by `sign * duration`."""
    n = sign * duration.n
    if duration.unit == "days":
        return day + timedelta(days=n)
    if duration.unit == "weeks":
        return day + timedelta(weeks=n)
    months = n * (12 if duration.unit == "years" else 1)
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Bounds:
    """Inclusive event-date bounds; `lo` None = open.

    `active`: the event's span [start, end] must reach `span_from` (the index date for
    `active`, D − n for `active_within`): start <= hi and end >= span_from.
    """

    lo: date | None
    hi: date
    active: bool
    text: str
    span_from: date | None = None


def bounds(window: Window, index: date) -> Bounds:
    """The dates an event must fall between for `window` at index date `index`."""
    if window.kind == "ever":
        return Bounds(None, index, False, f"on or before {index}")
    if window.kind == "within":
        lo = shift(index, _first(window), -1)
        return Bounds(lo, index, False, f"within {_first(window).text()} before {index}")
    if window.kind == "before":
        hi = shift(index, _first(window), -1)
        return Bounds(None, hi, False, f"at least {_first(window).text()} before {index}")
    if window.kind == "after":
        hi = shift(index, _first(window), 1)
        return Bounds(
            index + timedelta(days=1), hi, False, f"within {_first(window).text()} after {index}"
        )
    if window.kind == "range":
        lo, hi = shift(index, _first(window)), shift(index, _last(window))
        return Bounds(lo, hi, False, f"between {lo} and {hi}")
    if window.kind == "active":
        return Bounds(None, index, True, f"active on {index}", index)
    if window.kind == "active_within":
        since = shift(index, _first(window), -1)
        return Bounds(
            None, index, True, f"active within {_first(window).text()} before {index}", since
        )
    raise ValueError(f"unknown window kind {window.kind}")


def _first(window: Window) -> Duration:
    """The duration of a within/before/after/active_within window, or a range's `from`."""
    if window.first is None:
        raise ValueError(f"window kind {window.kind} needs a duration")
    return window.first


def _last(window: Window) -> Duration:
    """A range window's `to`."""
    if window.last is None:
        raise ValueError(f"window kind {window.kind} needs an end")
    return window.last
