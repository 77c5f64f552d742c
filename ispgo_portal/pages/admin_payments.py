"""Admin «Платежи» (/admin/payments) with the refund dialog."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.dialogs import confirm_dialog
from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import app_shell, card, empty_state, field_error, page_title
from ispgo_portal.components.tables import data_table, pager
from ispgo_portal.limits import REFUND_REASON_MAX
from ispgo_portal.state.admin_payments import (
    PURPOSE_OPTIONS,
    STATUS_OPTIONS,
    AdminPaymentsState,
    PaymentView,
    RefundView,
)

S = AdminPaymentsState


def _select(name: str, label: str, options: list[list[str]], value) -> rx.Component:
    return rx.box(
        field_label(label, f"payments-{name}", size="2"),
        rx.select.root(
            rx.select.trigger(id=f"payments-{name}", width="100%"),
            rx.select.content(rx.select.item("Все", value="all"),
                              *[rx.select.item(text, value=key) for key, text in options]),
            name=name,
            default_value=value,
        ),
        flex="1 1 160px",
    )


def filter_bar() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.box(
                field_label("Клиент, № платежа или id ЮKassa", "payments-query", size="2"),
                rx.input(id="payments-query", name="query", default_value=S.query,
                         placeholder="ivan@example.ru, №12 или 2f…", width="100%"),
                flex="3 1 220px",
            ),
            _select("status", "Статус", STATUS_OPTIONS, S.status),
            _select("purpose", "Назначение", PURPOSE_OPTIONS, S.purpose),
            rx.button(rx.icon("search", size=16), "Показать", type="submit", id="payments-filter"),
            spacing="3",
            align="end",
            wrap="wrap",
            width="100%",
        ),
        on_submit=S.filter_payments,
        width="100%",
    )


def payment_row(p: PaymentView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.vstack(rx.text("№", p.id, weight="medium"),
                                           rx.text(p.created, size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(rx.vstack(
            rx.link(p.customer_email, href="/admin/customers/" + p.user_id.to_string(), size="2"),
            rx.text(p.customer_name, size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(rx.vstack(rx.text(p.purpose, size="2"),
                                rx.text(p.description, size="1", color_scheme="gray"), spacing="0",
                                max_width="220px")),
        rx.table.cell(rx.text(p.amount, weight="medium", white_space="nowrap")),
        rx.table.cell(rx.vstack(
            rx.badge(p.status, color_scheme=p.status_color),
            rx.cond(p.cancellation_reason != "", rx.text(p.cancellation_reason, size="1", color_scheme="gray")),
            rx.cond(p.review_reason != "",
                    rx.tooltip(rx.badge(rx.icon("triangle-alert", size=12), "Не зачислен: проверить",
                                        color_scheme="red", id=f"payment-review-{p.id}"),
                               content=p.review_reason)),
            spacing="1")),
        rx.table.cell(rx.code(p.yookassa_id, size="1", variant="ghost", white_space="nowrap")),
        rx.table.cell(rx.vstack(
            rx.cond(p.refunded != "", rx.text(p.refunded, size="2", color_scheme="red", white_space="nowrap"),
                    rx.text("—", size="2", color_scheme="gray")),
            rx.cond(p.in_flight != "", rx.text("в обработке ", p.in_flight, size="1", color_scheme="orange")),
            rx.cond(p.attention > 0, rx.badge(rx.icon("triangle-alert", size=12), "Проверить возврат",
                                              color_scheme="red", id=f"payment-attention-{p.id}")),
            spacing="0")),
        rx.table.cell(rx.button(rx.cond(p.can_refund, "Возврат", "Подробнее"), size="1", variant="soft",
                                color_scheme=rx.cond(p.can_refund, "red", "gray"),
                                on_click=S.open_refund(p.id), id=f"payment-open-{p.id}")),
        align="center",
        id=f"payment-row-{p.id}",
    )


def payment_table() -> rx.Component:
    return card(
        rx.vstack(
            data_table(["Платёж", "Клиент", "Назначение", "Сумма", "Статус", "Id ЮKassa", "Возвращено", ""],
                       S.payments, payment_row),
            pager(S, "payments-pager"),
            spacing="3",
            width="100%",
        ),
        id="payment-list",
    )


def _fact(label: str, value) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"), rx.text(value, size="2", weight="medium"),
                     spacing="0")


def refund_history_row(r: RefundView) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.hstack(rx.text(r.amount, weight="medium", size="2"), rx.badge(r.status, color_scheme=r.status_color),
                      spacing="2", align="center"),
            rx.text(r.created, " · ", r.admin_email, " · ", r.reason, size="1", color_scheme="gray"),
            rx.cond(r.cancellation != "", rx.text("ЮKassa: ", r.cancellation, size="1", color_scheme="red")),
            rx.cond(r.attention != "", rx.callout(r.attention, icon="triangle-alert", color_scheme="red", size="1",
                                                  id=f"refund-attention-{r.id}")),
            spacing="0",
            min_width="0",
        ),
        rx.spacer(),
        rx.cond(r.unconfirmed, rx.button(rx.cond(r.attention != "", "Проверить снова", "Отправить повторно"),
                                         size="1", variant="soft",
                                         on_click=S.retry_refund(r.id), id=f"refund-retry-{r.id}")),
        width="100%",
        align="center",
        padding_y="6px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def refund_form() -> rx.Component:
    p = S.selected
    return rx.form(
        rx.vstack(
            rx.text("Возврат", weight="bold", size="3"),
            rx.text("Можно вернуть всё или часть. Доступно к возврату: ", rx.text.strong(p.refundable),
                    ". Сумма будет списана с баланса клиента (сейчас ", S.customer_balance, ").", size="2"),
            rx.grid(
                rx.vstack(
                    field_label("Сумма, ₽", "refund-amount", size="2"),
                    rx.input(id="refund-amount", name="amount", default_value=p.refundable_input,
                             input_mode="decimal", width="100%"),
                    field_error(S.err_amount),
                    spacing="1",
                ),
                rx.vstack(
                    field_label("Причина", "refund-reason", size="2"),
                    rx.input(id="refund-reason", name="reason", placeholder="Например: двойная оплата",
                             width="100%", max_length=REFUND_REASON_MAX),
                    field_error(S.err_reason),
                    spacing="1",
                ),
                columns=rx.breakpoints(initial="1", sm="1fr 2fr"),
                spacing="3",
                width="100%",
            ),
            rx.box(rx.button(rx.icon("undo-2", size=16), "Вернуть…", type="submit", color_scheme="red",
                             id="refund-submit"), width="100%", class_name="dialog-actions"),
            spacing="3",
            width="100%",
        ),
        on_submit=S.ask_refund,
        id="refund-form",
    )


def refund_dialog() -> rx.Component:
    p = S.selected
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title("Платёж №", p.id, margin="0"),
                rx.spacer(),
                rx.dialog.close(rx.icon_button(rx.icon("x", size=16), variant="ghost", aria_label="Закрыть")),
                width="100%",
                align="center",
            ),
            rx.dialog.description(p.customer_email, " · ", p.purpose, " · ", p.created, size="2",
                                  color_scheme="gray"),
            rx.vstack(
                rx.grid(
                    _fact("Сумма", p.amount),
                    _fact("Статус", rx.badge(p.status, color_scheme=p.status_color)),
                    _fact("Возвращено", rx.cond(p.refunded != "", p.refunded, "—")),
                    _fact("Id ЮKassa", rx.code(p.yookassa_id, size="1", variant="ghost", word_break="break-all")),
                    columns=rx.breakpoints(initial="2", sm="4"),
                    spacing="3",
                    width="100%",
                ),
                rx.cond(p.review_reason != "",
                        rx.callout(p.review_reason, icon="triangle-alert", color_scheme="red", size="1",
                                   id="payment-review-reason")),
                rx.cond(S.refund_history.length() > 0,
                        rx.vstack(rx.text("Возвраты", weight="bold", size="2"),
                                  rx.foreach(S.refund_history, refund_history_row),
                                  spacing="1", width="100%", id="refund-history")),
                rx.separator(),
                rx.cond(p.can_refund, refund_form(),
                        rx.text("По этому платежу вернуть нечего: он не оплачен или уже возвращён полностью.",
                                size="2", color_scheme="gray")),
                spacing="3",
                width="100%",
                margin_top="12px",
            ),
            max_width="640px",
            id="refund-dialog",
        ),
        open=S.refund_open,
        on_open_change=S.set_refund_open,
    )


def refund_confirm_dialog() -> rx.Component:
    return confirm_dialog(title="Подтвердите возврат", text=S.confirm_text, action="Вернуть деньги",
                          on_confirm=S.confirm_refund, action_id="refund-confirm", open=S.confirm_open,
                          on_cancel=S.set_confirm_open(False), max_width="480px")


def admin_payments_page() -> rx.Component:
    return app_shell(
        rx.hstack(page_title("Платежи", "Все платежи ЮKassa, их статусы и возвраты"), rx.spacer(),
                  rx.link(rx.button(rx.icon("landmark", size=16), "Банковские поступления", variant="soft"),
                          href="/admin/payments/bank", id="bank-payments-link"),
                  width="100%", align="center", wrap="wrap"),
        card(filter_bar()),
        rx.cond(
            S.payments_loaded,
            rx.cond(
                S.payments.length() > 0,
                payment_table(),
                card(empty_state("credit-card", "Платежей не найдено",
                                 "Измените фильтры или дождитесь первых пополнений клиентов.")),
            ),
            rx.skeleton(height="240px", width="100%"),
        ),
        refund_dialog(),
        refund_confirm_dialog(),
    )
