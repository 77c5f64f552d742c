"""Admin «Аудит»: who did what, to whom and when, with before → after."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import app_shell, card, empty_state, page_title
from ispgo_portal.components.tables import pager
from ispgo_portal.pages.admin_customers import scroll_table
from ispgo_portal.state.admin_audit import ALL, AdminAuditState

A = AdminAuditState


def _filter_field(label: str, html_for: str, control: rx.Component) -> rx.Component:
    return rx.vstack(field_label(label, html_for, size="2"), control, spacing="1", width="100%")


def _filters() -> rx.Component:
    return card(
        rx.form(
            rx.vstack(
                rx.grid(
                    _filter_field("Администратор", "audit-admin", rx.select.root(
                        rx.select.trigger(id="audit-admin", width="100%"),
                        rx.select.content(
                            rx.select.item("Все", value=ALL),
                            rx.foreach(A.admins, lambda a: rx.select.item(a["email"], value=a["id"])),
                        ),
                        name="admin", default_value=A.admin,
                    )),
                    _filter_field("Действие", "audit-action", rx.select.root(
                        rx.select.trigger(id="audit-action", width="100%"),
                        rx.select.content(
                            rx.select.item("Все", value=ALL),
                            rx.foreach(A.actions, lambda a: rx.select.item(a["label"], value=a["code"])),
                        ),
                        name="action", default_value=A.action,
                    )),
                    _filter_field("Клиент", "audit-customer",
                                  rx.input(name="customer", id="audit-customer", default_value=A.customer,
                                           placeholder="email или номер", width="100%")),
                    _filter_field("С даты", "audit-from",
                                  rx.input(name="date_from", id="audit-from", type="date",
                                           default_value=A.date_from, width="100%")),
                    _filter_field("По дату", "audit-to",
                                  rx.input(name="date_to", id="audit-to", type="date",
                                           default_value=A.date_to, width="100%")),
                    columns=rx.breakpoints(initial="1", sm="2", lg="5"),
                    spacing="3",
                    width="100%",
                ),
                rx.hstack(
                    rx.button("Показать", type="submit"),
                    rx.button("Сбросить", type="button", variant="soft", color_scheme="gray",
                              on_click=A.reset_filters),
                    spacing="2",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=A.apply_filters,
            id="audit-filters",
            key=A.form_version,
        ),
    )


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["date"], white_space="nowrap"),
        rx.table.cell(row["admin"]),
        rx.table.cell(rx.text(row["action"], weight="medium")),
        rx.table.cell(
            rx.cond(row["customer_href"] != "",
                    rx.link(row["customer"], href=row["customer_href"]),
                    rx.text(row["target"], color_scheme="gray")),
        ),
        rx.table.cell(rx.vstack(rx.foreach(row["changes"].to(list[str]), lambda line: rx.text(line, size="2")),
                                spacing="0")),
        rx.table.cell(row["reason"]),
    )


def admin_audit_page() -> rx.Component:
    return app_shell(
        page_title("Аудит", "Все действия администраторов: кто, когда, что и у кого изменил"),
        _filters(),
        rx.cond(
            A.loaded,
            rx.cond(
                A.rows.length() > 0,
                rx.vstack(
                    scroll_table(["Когда", "Администратор", "Действие", "Клиент", "Было → стало", "Причина"],
                                  A.rows, _row, "audit-table"),
                    pager(A, "audit-pager"),
                    spacing="3",
                    width="100%",
                ),
                card(empty_state("scroll-text", "Записей нет",
                                 "Под эти условия ничего не подходит. Измените фильтры или сбросьте их.")),
            ),
            rx.skeleton(height="320px", width="100%"),
        ),
    )
