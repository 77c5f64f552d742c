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


def pager(state: Any, pager_id: str) -> rx.Component:
    """The one pager of a numbered list. `state` is a state class with `page`, `pages`, `total`
    (filled from services/paging.page_slice) and a `change_page(delta)` handler."""
    return rx.hstack(
        rx.text("Найдено: ", state.total, " · страница ", state.page, " из ", state.pages, size="2",
                color_scheme="gray", id=f"{pager_id}-page"),
        rx.spacer(),
        rx.hstack(
            rx.button(rx.icon("chevron-left", size=16), "Назад", variant="soft", size="2",
                      disabled=state.page <= 1, on_click=state.change_page(-1), id=f"{pager_id}-prev"),
            rx.button("Вперёд", rx.icon("chevron-right", size=16), variant="soft", size="2",
                      disabled=state.page >= state.pages, on_click=state.change_page(1), id=f"{pager_id}-next"),
            spacing="2",
        ),
        width="100%",
        align="center",
        wrap="wrap",
        spacing="2",
        id=pager_id,
    )
