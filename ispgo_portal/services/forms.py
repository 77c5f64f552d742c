"""Shared by the admin services: the acting admin re-checked in the transaction, and form
parsing where every field error is a DomainError naming the field (same garbage, same
Russian message everywhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from ispgo_portal.clock import MSK, as_utc
from ispgo_portal.limits import MIN_PAYMENT
from ispgo_portal.money import AmountError, parse_rubles
from ispgo_portal.services.errors import DomainError

EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def text_field(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "") if isinstance(form, Mapping) else ""
    return value.strip() if isinstance(value, str) else ""


def int_field(form: Mapping[str, Any], name: str, *, label: str, low: int, high: int,
              default: int | None = None) -> int:
    raw = text_field(form, name).replace(" ", "")
    if not raw and default is not None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise DomainError("invalid_number", f"{label}: введите целое число", field=name) from exc
    if not low <= value <= high:
        raise DomainError("out_of_range", f"{label}: допустимо от {low} до {high}", field=name)
    return value


def rubles_field(form: Mapping[str, Any], name: str, *, label: str, max_kopecks: int,
                 min_kopecks: int = MIN_PAYMENT) -> int:
    try:
        return parse_rubles(text_field(form, name), max_kopecks=max_kopecks, min_kopecks=min_kopecks)
    except AmountError as exc:
        raise DomainError("invalid_amount", f"{label}: {exc}", field=name) from exc


def bounded_text(form: Mapping[str, Any], name: str, *, label: str, max_len: int, min_len: int = 0) -> str:
    value = text_field(form, name)
    if len(value) < min_len:
        message = f"Укажите {label.lower()}" if min_len <= 1 else f"{label}: не короче {min_len} символов"
        raise DomainError("required", message, field=name)
    if len(value) > max_len:
        raise DomainError("too_long", f"{label}: не длиннее {max_len} символов", field=name)
    return value


def parse_day(raw: str, *, field: str, label: str = "") -> date | None:
    """'2026-11-26' (a date input) or '26.11.2026'; empty means no date. The one date parser of
    forms and filters: the same garbage gets the same message everywhere."""
    raw = str(raw or "").strip()
    if not raw:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            day = datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
        # Year 1 or 9999 would overflow when turned into a Moscow day's UTC bounds.
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            message = f"Укажите дату между {EARLIEST_DATE:%d.%m.%Y} и {LATEST_DATE:%d.%m.%Y}"
            raise DomainError("date_out_of_range", _labelled(label, message), field=field)
        return day
    raise DomainError("invalid_date", _labelled(label, "Дата в формате ДД.ММ.ГГГГ"), field=field)


def _labelled(label: str, message: str) -> str:
    """«Действует с: дата в формате …» on a form with several dates; the bare message otherwise."""
    return f"{label}: {message[0].lower()}{message[1:]}" if label else message


@dataclass(frozen=True)
class DateRange:
    """Moscow days, both ends included; None is an open end."""

    start: date | None = None
    end: date | None = None


def parse_date_range(date_from: str, date_to: str, *, from_field: str = "date_from",
                     to_field: str = "date_to") -> DateRange:
    """A «с … по …» filter: each end parsed by `parse_day`; an end before the start is the
    «по» field's error."""
    start = parse_day(date_from, field=from_field)
    end = parse_day(date_to, field=to_field)
    if start and end and start > end:
        raise DomainError("invalid_range", "Дата «с» позже даты «по»", field=to_field)
    return DateRange(start, end)


def day_start_utc(day: date) -> datetime:
    """Dates on screen are Moscow dates: the day starts at 00:00 MSK."""
    return as_utc(datetime.combine(day, time.min, tzinfo=MSK))


def day_end_utc(day: date) -> datetime:
    """The last moment of a Moscow day, so "valid until 26.11" includes all of the 26th."""
    return day_start_utc(day + timedelta(days=1)) - timedelta(microseconds=1)


def date_input_value(value: datetime | None) -> str:
    """The value a date input shows for a stored moment (Moscow date)."""
    return as_utc(value).astimezone(MSK).strftime("%Y-%m-%d") if value else ""
