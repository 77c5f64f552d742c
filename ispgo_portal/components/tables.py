"""Data tables that turn into stacked cards on a phone.

Below 768 px (see `.stack-table` in assets/theme.css) each row becomes a card and each cell a
"column name: value" line, so no table needs sideways scrolling. The column names come from the
header: every cell a row renderer returns gets its header's name as `data-label`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

STACK_CLASS = "stack-table"


def _label_cells(row: rx.Component, labels: list[str]) -> rx.Component:
    for cell, label in zip(row.children, labels, strict=False):
        cell.custom_attrs["data-label"] = label
    return row


def data_table(header: list[str | tuple[str, dict[str, Any]]], rows: Any,
               render: Callable[[Any], rx.Component], *, table_id: str | None = None,
               **props: Any) -> rx.Component:
    """A table of `rows` (a list Var) drawn by `render` (one `rx.table.row` per item); a header
    item is a column name or (name, props of its header cell)."""
    columns = [(item, {}) if isinstance(item, str) else item for item in header]
    labels = [name for name, _ in columns]
    table = rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(name, **cell) for name, cell in columns])),
        rx.table.body(rx.foreach(rows, lambda item: _label_cells(render(item), labels))),
        width="100%",
        **({"id": table_id} if table_id else {}),
        **{"size": "2", **props},
    )
    return rx.box(table, width="100%", overflow_x="auto", class_name=STACK_CLASS)
