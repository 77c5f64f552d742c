"""A stored row's primary key as an `int`, and a table's id column selected as one.

SQLModel types `id` as `int | None` because a row has none until it is flushed; a row read from
the database or flushed always has one, and `pk(row)` says so to the type checker (and fails
loudly if a caller passes a row that was never stored).
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Integer, type_coerce
from sqlalchemy.sql.elements import TypeCoerce


class _HasId(Protocol):
    @property
    def id(self) -> int | None: ...


def pk(row: _HasId) -> int:
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id


def id_col(model: Any) -> TypeCoerce[int]:
    """`select(id_col(Payment), …)`: the id column, typed as the `int` a stored row's id always
    is (SQLModel types it `int | None`)."""
    return type_coerce(model.id, Integer)
