"""Time in one place: aware UTC in the database and code, Moscow time on screen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

MSK = timezone(timedelta(hours=3), "MSK")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_msk(value: datetime) -> datetime:
    return as_utc(value).astimezone(MSK)


def format_date(value: datetime | None) -> str:
    return to_msk(value).strftime("%d.%m.%Y") if value else "—"


def format_datetime(value: datetime | None) -> str:
    return to_msk(value).strftime("%d.%m.%Y %H:%M") if value else "—"
