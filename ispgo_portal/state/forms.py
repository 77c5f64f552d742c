"""What the browser sends, made safe, and what forms show back: shared by the state classes.

Event arguments come from a websocket message anyone can craft, so every reader here turns
garbage into an empty or "not found" value instead of raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ispgo_portal.money import AmountError, parse_rubles
from ispgo_portal.services.errors import DomainError


def as_id(value: object) -> int:
    """A row id from the browser: anything that is not a positive integer becomes 0 (not found)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**31 else 0  # beyond a database integer: no such row


def form_text(form: object, name: str) -> str:
    """A text field of a submitted form; a missing field, a non-text value or a non-form gives ""."""
    value = form.get(name, "") if isinstance(form, dict) else ""
    return value if isinstance(value, str) else ""


def form_value(form: object, name: str) -> str:
    """A form field as text, numbers included (str() of whatever came); a non-form gives ""."""
    return str(form.get(name, "") or "") if isinstance(form, dict) else ""


def rubles_input(kopecks: int) -> str:
    """What a money field shows when editing: 99050 -> '990,50', 49000 -> '490'."""
    rubles, kop = divmod(kopecks, 100)
    return f"{rubles},{kop:02d}" if kop else str(rubles)


def step_page(page: int, delta: object) -> int:
    """The numbered page a pager click asks for: the next one when `delta` is a positive
    id-like value (1), the previous one otherwise. The service keeps it within the list
    (services/paging.page_slice) and the state shows the page it got back."""
    return max(1, page + (1 if as_id(delta) else -1))


def clear_field_errors(state: Any, *fields: Mapping[str, str]) -> None:
    """Empty the vars of `fields=` mappings (error field -> var), as a dialog opens afresh; the
    handler boundary empties a handler's own ones at the start of each call."""
    for mapping in fields:
        for var in mapping.values():
            setattr(state, var, "")


def amount_field(text: str, *, max_kopecks: int, field: str = "amount") -> int:
    """A money field in kopecks; bad input is a DomainError for that field (shown under it)."""
    try:
        return parse_rubles(text, max_kopecks=max_kopecks)
    except AmountError as exc:
        raise DomainError("invalid_amount", str(exc), field=field) from None
