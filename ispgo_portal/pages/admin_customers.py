"""Admin «Клиенты»: the customer list with search, and table helpers other admin pages share."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.layout import app_shell, card, empty_state, page_title
from ispgo_portal.components.tables import data_table, pager
from ispgo_portal.state.admin_customers import AdminCustomersState

L = AdminCustomersState


def scroll_table(header: list[str], rows, render, table_id: str) -> rx.Component:
    return data_table(header, rows, render, table_id=table_id, variant="surface")


# --- the list -------------------------------------------------------------------------------

def _customer_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.hstack(
                    rx.link(row["name"], href=row["href"], weight="medium"),
                    rx.cond(row["is_admin"], rx.badge("Админ", color_scheme="blue", size="1")),
                    rx.cond(row["blocked"], rx.badge("Заблокирован", color_scheme="red", size="1")),
                    spacing="2",
                    wrap="wrap",
                ),
                rx.text(row["email"], size="1", color_scheme="gray"),
                spacing="0",
            ),
        ),
        rx.table.cell(rx.text(row["balance"], color=rx.cond(row["balance_negative"], "var(--red-11)", None)),
                      white_space="nowrap"),
        rx.table.cell(row["credit_limit"], white_space="nowrap"),
        rx.table.cell(row["discount"]),
        rx.table.cell(row["active_licenses"]),
        rx.table.cell(row["created"]),
    )


def admin_customers_page() -> rx.Component:
    return app_shell(
        page_title("Клиенты", "Поиск по email, имени или ключу лицензии"),
        card(
            rx.form(
                rx.flex(
                    rx.input(rx.input.slot(rx.icon("search", size=16)), name="query", id="customer-search",
                             default_value=L.query, placeholder="ivan@example.ru, Иван или ISPG-…",
                             aria_label="Поиск клиента", flex="1", min_width="200px", size="3"),
                    rx.button("Найти", type="submit", size="3"),
                    rx.cond(L.query != "",
                            rx.button("Сбросить", type="button", variant="soft", color_scheme="gray", size="3",
                                      on_click=L.clear_search)),
                    spacing="2",
                    wrap="wrap",
                    width="100%",
                ),
                on_submit=L.search_customers,
                id="customer-search-form",
            ),
        ),
        rx.cond(
            L.loaded,
            rx.cond(
                L.rows.length() > 0,
                rx.vstack(
                    scroll_table(["Клиент", "Баланс", "Кредитный лимит", "Скидка", "Активных лицензий",
                                   "Зарегистрирован"], L.rows, _customer_row, "customers-table"),
                    pager(L, "customers-pager"),
                    spacing="3",
                    width="100%",
                ),
                card(empty_state("users", "Никого не нашли",
                                 "Проверьте написание email, имени или ключа лицензии — или сбросьте поиск.")),
            ),
            rx.skeleton(height="320px", width="100%"),
        ),
    )
