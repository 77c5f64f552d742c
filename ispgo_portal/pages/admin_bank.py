"""«Платежи → Банковские поступления» (/admin/payments/bank)."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.dialogs import cancel_button
from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import app_shell, card, empty_state, field_error, page_title
from ispgo_portal.components.tables import data_table
from ispgo_portal.state.admin_bank import STATEMENT_UPLOAD, AdminBankState, BankRow, OpenInvoiceRow

S = AdminBankState


def _label_file_input(component: rx.Component, name: str) -> rx.Component:
    """The upload area's hidden file input gets an accessible name (it has no visible label)."""
    for child in component.children:
        if getattr(child, "type", None) is not None and str(child.type) == '"file"':
            child.custom_attrs["aria-label"] = name
        _label_file_input(child, name)
    return component


def upload_card() -> rx.Component:
    return card(rx.vstack(
        rx.heading("Загрузить выписку", size="4", as_="h2"),
        rx.text("Файл обмена с 1С (1CClientBankExchange, windows-1251 или UTF-8) из интернет-банка. "
                "Поступление с номером счёта в назначении, на сумму счёта и с ИНН из счёта зачисляется сразу; "
                "повторная загрузка ничего не зачисляет второй раз.", size="2", color_scheme="gray"),
        _label_file_input(rx.upload.root(
            rx.hstack(rx.icon("file-up", size=18), rx.text("Выберите файл выписки или перетащите его сюда", size="2"),
                      align="center", spacing="2"),
            id=STATEMENT_UPLOAD, multiple=False, max_files=1, accept={"text/plain": [".txt"]},
            border=f"1px dashed {rx.color('gray', 7)}", border_radius="8px", padding="12px", width="100%",
            cursor="pointer",
        ), "Файл выписки"),
        rx.foreach(rx.selected_files(STATEMENT_UPLOAD),
                   lambda name: rx.hstack(rx.icon("paperclip", size=14), rx.text(name, size="1"), align="center")),
        rx.button(rx.icon("upload", size=16), "Загрузить", id="upload-statement", loading=S.upload_busy,
                  on_click=S.upload_statement(rx.upload_files(upload_id=STATEMENT_UPLOAD))),
        rx.cond(S.upload_summary != "", rx.callout(S.upload_summary, icon="info", id="upload-summary", width="100%")),
        spacing="3", width="100%",
    ))


def waiting_card(row: BankRow) -> rx.Component:
    return card(rx.vstack(
        rx.hstack(rx.text("п/п № ", row.number, " от ", row.date, weight="bold"), rx.spacer(),
                  rx.text(row.amount, weight="bold", white_space="nowrap"), width="100%", wrap="wrap"),
        rx.text(row.payer, size="2"),
        rx.text("Назначение: ", row.purpose, size="2", color_scheme="gray"),
        rx.hstack(rx.badge(row.reason, color_scheme="orange", variant="soft", style={"white_space": "normal"}),
                  rx.spacer(),
                  rx.button("Зачислить вручную", size="2", variant="soft", on_click=S.open_assign(row.id),
                            id="assign-" + row.id.to_string()),
                  width="100%", align="center", wrap="wrap"),
        spacing="2", width="100%",
    ), id="bank-payment-" + row.id.to_string())


def recent_row(row: BankRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.number, " от ", row.date),
        rx.table.cell(row.payer),
        rx.table.cell(row.amount, white_space="nowrap"),
        rx.table.cell(rx.badge(row.status_label, color_scheme=row.status_color, variant="soft")),
        rx.table.cell(rx.cond(row.invoice_number != "", row.invoice_number, "—")),
    )


def invoice_row(row: OpenInvoiceRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.number), rx.table.cell(row.date), rx.table.cell(row.payer),
        rx.table.cell(row.amount, white_space="nowrap"),
        rx.table.cell(rx.button("Отметить оплаченным", size="1", variant="soft", on_click=S.open_mark(row.id),
                                id="mark-paid-" + row.id.to_string())),
    )


def assign_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Зачислить поступление"),
        rx.dialog.description(S.assign_title, size="2"),
        rx.form(rx.vstack(
            field_label("Номер счёта", "assign-invoice", size="2"),
            rx.input(name="invoice_number", id="assign-invoice", placeholder="2026-000123", max_length=16),
            field_error(S.err_invoice_number),
            rx.text("или", size="1", color_scheme="gray"),
            field_label("Email клиента", "assign-email", size="2"),
            rx.input(name="email", id="assign-email", placeholder="client@example.ru", max_length=254),
            field_error(S.err_email),
            field_label("Причина (попадёт в аудит)", "assign-reason", size="2"),
            rx.text_area(name="reason", id="assign-reason", max_length=300),
            field_error(S.err_reason),
            rx.text("Если сумма покрывает счёт, он станет оплаченным; иначе деньги просто поступят на баланс клиента.",
                    size="1", color_scheme="gray"),
            field_error(S.assign_error),
            rx.hstack(cancel_button(),
                      rx.button("Зачислить", type="submit", id="assign-submit"), justify="end", width="100%"),
            spacing="2", width="100%",
        ), on_submit=S.assign_payment, reset_on_submit=False),
        max_width="520px",
    ), open=S.assign_open, on_open_change=S.set_assign_open)


def mark_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Отметить счёт оплаченным"),
        rx.dialog.description(S.mark_title, size="2"),
        rx.form(rx.vstack(
            field_label("Причина (попадёт в аудит)", "mark-reason", size="2"),
            rx.text_area(name="reason", id="mark-reason", max_length=300),
            field_error(S.err_mark_reason),
            rx.text("Сумма счёта будет зачислена на баланс клиента; счёт на тариф сразу купит лицензию.",
                    size="1", color_scheme="gray"),
            field_error(S.mark_error),
            rx.hstack(cancel_button(),
                      rx.button("Отметить оплаченным", type="submit", id="mark-submit"), justify="end", width="100%"),
            spacing="2", width="100%",
        ), on_submit=S.mark_paid, reset_on_submit=False),
        max_width="520px",
    ), open=S.mark_open, on_open_change=S.set_mark_open)


def admin_bank_page() -> rx.Component:
    return app_shell(
        rx.hstack(page_title("Банковские поступления", "Оплата счетов переводом: выписки из банка"), rx.spacer(),
                  rx.link("← Платежи ЮKassa", href="/admin/payments"), width="100%", align="center", wrap="wrap"),
        upload_card(),
        rx.heading("Ждут разбора", size="4", as_="h2"),
        rx.cond(S.waiting_rows.length() > 0,
                rx.vstack(rx.foreach(S.waiting_rows, waiting_card), spacing="3", width="100%"),
                rx.cond(S.bank_loaded, card(empty_state("check-check", "Всё разобрано",
                                                        "Неопознанных и частичных поступлений нет.")))),
        rx.heading("Неоплаченные счета", size="4", as_="h2", margin_top="12px"),
        card(data_table(["Счёт", "Дата", "Плательщик", "Сумма", ""], S.open_invoices, invoice_row,
                        table_id="open-invoices")),
        rx.heading("Последние поступления", size="4", as_="h2", margin_top="12px"),
        card(data_table(["Платёжное поручение", "Плательщик", "Сумма", "Статус", "Счёт"], S.recent_rows,
                        recent_row, table_id="recent-bank-payments")),
        assign_dialog(),
        mark_dialog(),
    )
