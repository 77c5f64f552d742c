"""Shared by the admin services: the acting admin re-checked in the transaction, and form
parsing where every field error is a DomainError naming the field (same garbage, same
Russian message everywhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from ispgo_portal.clock import MSK, as_utc
from ispgo_portal.money import AmountError, parse_rubles
from ispgo_portal.services.errors import DomainError


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
                 min_kopecks: int = 100) -> int:
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


def parse_day(raw: str, *, field: str, label: str) -> date | None:
    """'2026-11-26' (a date input) or '26.11.2026'; empty means no date."""
    raw = raw.strip()
    if not raw:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise DomainError("invalid_date", f"{label}: укажите дату в виде ДД.ММ.ГГГГ", field=field)


def day_start_utc(day: date) -> datetime:
    """Dates on screen are Moscow dates: the day starts at 00:00 MSK."""
    return as_utc(datetime.combine(day, time.min, tzinfo=MSK))


def day_end_utc(day: date) -> datetime:
    """The last moment of a Moscow day, so "valid until 26.11" includes all of the 26th."""
    return day_start_utc(day + timedelta(days=1)) - timedelta(microseconds=1)


def date_input_value(value: datetime | None) -> str:
    """The value a date input shows for a stored moment (Moscow date)."""
    return as_utc(value).astimezone(MSK).strftime("%Y-%m-%d") if value else ""
