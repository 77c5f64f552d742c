"""«Баланс»: funds, the YooKassa top-up form, «История транзакций»; and the dashboard's
«Последние операции» block."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import app_shell, card, empty_state, field_error, page_title
from ispgo_portal.components.tables import data_table, pager
from ispgo_portal.limits import AMOUNT_INPUT_LENGTH, MIN_PAYMENT
from ispgo_portal.money import format_rub
from ispgo_portal.pages.payment_methods import payment_methods_card
from ispgo_portal.state.balance import KIND_OPTIONS, BalanceState, LedgerLine

METHOD_LABEL = "YooKassa (карта, ЮMoney, СБП…)"


def stat(label: str, value, hint: str = "", element_id: str = "", color=None) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", color_scheme="gray"),
        rx.text(value, size=rx.breakpoints(initial="4", sm="6"), weight="bold", as_="div", color=color,
                id=element_id or None, white_space="nowrap"),
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")),
        spacing="1",
        align="start",
    )


def funds_card() -> rx.Component:
    S = BalanceState
    return card(
        rx.grid(
            stat("Баланс", S.balance, element_id="balance-value",
                 color=rx.cond(S.balance_negative, rx.color("red", 11), rx.color("gray", 12))),
            stat("Кредитный лимит", S.credit_limit, "устанавливает администратор"),
            stat("Использовано кредита", S.credit_used, "восстанавливается при пополнении"),
            stat("Доступно средств", S.available, "баланс + кредитный лимит", element_id="available-value"),
            columns=rx.breakpoints(initial="2", md="4"),
            spacing=rx.breakpoints(initial="4", sm="5"),
            width="100%",
        ),
        id="balance-summary",
    )


def topup_card() -> rx.Component:
    S = BalanceState
    return card(
        rx.vstack(
            rx.heading("Пополнение баланса", size="4", as_="h2"),
            rx.form(
                rx.vstack(
                    field_label("Сумма, ₽", "topup-amount", size="2", weight="medium"),
                    rx.input(id="topup-amount", name="amount", placeholder="Например, 1 000,00",
                             input_mode="decimal", auto_complete="off", width="100%", size="3",
                             max_length=AMOUNT_INPUT_LENGTH),
                    rx.box(field_error(S.topup_error), id="topup-error"),
                    rx.text(f"Минимальная сумма — {format_rub(MIN_PAYMENT)}, не больше двух знаков после запятой.",
                            size="1", color_scheme="gray"),
                    rx.text("Способ оплаты", size="2", weight="medium", margin_top="8px"),
                    rx.radio_group.root(
                        rx.radio_group.item(METHOD_LABEL, value="yookassa", id="method-yookassa"),
                        default_value="yookassa",
                        name="method",
                    ),
                    # Radix renders the checkbox as a button: the surrounding label does not name
                    # it for assistive technology, so it carries the same words itself.
                    rx.checkbox("Запомнить карту для автопродления", name="save_method", id="topup-save-method",
                                value="on", size="2",
                                custom_attrs={"aria-label": "Запомнить карту для автопродления"}),
                    rx.button(rx.icon("credit-card", size=16), "Пополнить", type="submit", size="3",
                              loading=S.topup_busy, id="topup-submit", margin_top="8px"),
                    rx.text("Средства поступят на баланс сразу после успешной оплаты — обычно за "
                            "несколько секунд.", size="1", color_scheme="gray"),
                    spacing="2",
                    width="100%",
                    max_width="420px",
                    align="start",
                ),
                on_submit=S.submit_topup,
                id="topup-form",
                width="100%",
            ),
            spacing="3",
            width="100%",
        )
    )


def amount_text(line: LedgerLine) -> rx.Component:
    return rx.text(line.amount, weight="medium", white_space="nowrap",
                   color=rx.cond(line.positive, rx.color("green", 11), rx.color("red", 11)))


def history_row(line: LedgerLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(line.date, white_space="nowrap", size="2")),
        rx.table.cell(rx.text(line.kind, size="2")),
        rx.table.cell(amount_text(line), justify="end"),
        rx.table.cell(rx.text(line.balance_after, white_space="nowrap", size="2"), justify="end"),
        rx.table.cell(rx.text(line.description, size="2", color_scheme="gray")),
        class_name="history-row",
    )


def history_filters() -> rx.Component:
    S = BalanceState

    def date_field(label: str, name: str, element_id: str, error) -> rx.Component:
        return rx.vstack(
            field_label(label, element_id, size="1", color_scheme="gray"),
            rx.input(type="date", name=name, id=element_id, size="2"),
            field_error(error),
            spacing="1",
        )

    return rx.form(
        rx.flex(
            rx.vstack(
                field_label("Операция", "history-kind", size="1", color_scheme="gray"),
                rx.select.root(
                    rx.select.trigger(id="history-kind", min_width="180px"),
                    rx.select.content(*[rx.select.item(label, value=value)
                                        for value, label in KIND_OPTIONS.items()]),
                    value=S.kind,
                    on_change=S.set_history_kind,
                    size="2",
                ),
                spacing="1",
            ),
            date_field("С даты", "date_from", "history-from", S.date_from_error),
            date_field("По дату", "date_to", "history-to", S.date_to_error),
            rx.hstack(
                rx.button("Применить", type="submit", variant="soft", size="2"),
                rx.button("Сбросить", type="button", variant="outline", size="2", color_scheme="gray",
                          on_click=[S.reset_history_filter, rx.set_value("history-from", ""),
                                    rx.set_value("history-to", "")]),
                spacing="2",
                padding_top="18px",
            ),
            gap="12px",
            wrap="wrap",
            align="start",
        ),
        on_submit=S.apply_history_filter,
        id="history-filter",
    )


def history_card() -> rx.Component:
    S = BalanceState
    end = {"justify": "end"}
    table = data_table(["Дата", "Операция", ("Сумма", end), ("Баланс после", end), "Описание"], S.rows,
                       history_row, table_id="history-table")
    return card(
        rx.vstack(
            rx.hstack(
                rx.heading("История транзакций", size="4", as_="h2"),
                rx.badge(S.total, variant="soft", color_scheme="gray"),
                rx.spacer(),
                rx.button(rx.icon("download", size=16), "Скачать CSV", variant="outline", size="2",
                          on_click=S.export_history, id="history-export", disabled=S.total == 0),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            history_filters(),
            rx.cond(
                S.total > 0,
                rx.vstack(table, pager(S, "history-pager"), spacing="3", width="100%"),
                empty_state("receipt-text", "Операций не найдено",
                            "Пополните баланс — операция появится здесь. Если включены фильтры, "
                            "попробуйте их сбросить."),
            ),
            spacing="4",
            width="100%",
        ),
        id="history",
    )


def balance_page() -> rx.Component:
    return app_shell(
        rx.hstack(page_title("Баланс", "Пополнение через YooKassa и история операций"), rx.spacer(),
                  rx.link(rx.button(rx.icon("file-text", size=16), "Счёт на оплату", variant="soft"),
                          href="/balance/invoice", id="invoice-link"),
                  width="100%", align="center", wrap="wrap"),
        rx.cond(
            BalanceState.loaded,
            rx.vstack(funds_card(), topup_card(), payment_methods_card(), history_card(), spacing="4",
                      width="100%"),
            rx.vstack(rx.skeleton(height="110px", width="100%"), rx.skeleton(height="260px", width="100%"),
                      rx.skeleton(height="320px", width="100%"), spacing="4", width="100%"),
        ),
    )


# --- dashboard block -----------------------------------------------------------------------

def recent_row(line: LedgerLine) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(line.description, size="2", weight="medium"),
            rx.text(line.date, " · ", line.kind, size="1", color_scheme="gray"),
            spacing="0",
            min_width="0",
        ),
        rx.spacer(),
        amount_text(line),
        width="100%",
        align="center",
        padding_y="6px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )
