"""«Документы» (/documents) and «Счёт на оплату» (/balance/invoice)."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.dialogs import confirm_dialog
from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import app_shell, card, empty_state, field_error, page_title
from ispgo_portal.state.documents import ActRow, DocumentsState, InvoiceFormState, InvoiceRow

S = DocumentsState
F = InvoiceFormState


def download(url, element_id, label: str = "PDF") -> rx.Component:
    """A plain anchor styled as a button: a full browser request to the authenticated PDF route
    (the session cookie goes with it), never a client-side route change."""
    return rx.button(rx.el.a(rx.icon("download", size=14), label, href=url, id=element_id,
                             custom_attrs={"download": "", "reloadDocument": True}),
                     as_child=True, variant="soft", size="2")


def invoice_card(row: InvoiceRow) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.text("Счёт № ", row.number, weight="bold", size="3"),
                rx.badge(row.status_label, color_scheme=row.status_color, variant="soft",
                         id="invoice-status-" + row.id.to_string()),
                rx.spacer(),
                rx.text(row.amount, weight="bold", size="3", white_space="nowrap"),
                width="100%", align="center", wrap="wrap",
            ),
            rx.text(row.item, size="2"),
            rx.hstack(
                rx.text(row.date, " · ", row.payer, size="2", color_scheme="gray"),
                rx.spacer(),
                download(row.url, "invoice-pdf-" + row.id.to_string()),
                rx.cond(row.status == "issued", confirm_dialog(
                    trigger=rx.button("Аннулировать", variant="soft", color_scheme="red", size="2",
                                      id="cancel-invoice-" + row.id.to_string()),
                    title="Аннулировать счёт?",
                    text=rx.text("Счёт № ", row.number, " больше нельзя будет оплатить. Если деньги по нему всё же "
                                 "придут, администратор зачислит их на баланс."),
                    action="Аннулировать", on_confirm=S.cancel_invoice(row.id.to_string()),
                    action_id="cancel-invoice-confirm-" + row.id.to_string())),
                width="100%", align="center", wrap="wrap",
            ),
            spacing="2", width="100%",
        ),
        id="invoice-" + row.id.to_string(),
    )


def act_card(row: ActRow) -> rx.Component:
    return card(
        rx.hstack(
            rx.vstack(
                rx.text("Акт № ", row.number, " от ", row.date, weight="bold", size="3"),
                rx.text("За ", row.period, " · ", row.payer, size="2", color_scheme="gray"),
                spacing="1",
            ),
            rx.spacer(),
            rx.text(row.total, weight="bold", size="3", white_space="nowrap"),
            download(row.url, "act-pdf-" + row.id.to_string()),
            width="100%", align="center", wrap="wrap",
        ),
        id="act-" + row.id.to_string(),
    )


def payer_select(options, name: str, element_id: str) -> rx.Component:
    return rx.el.select(
        rx.foreach(options, lambda o: rx.el.option(o.label, value=o.value)),
        name=name, id=element_id, class_name="native-select",
        style={"width": "100%", "padding": "6px 8px", "border_radius": "6px",
               "border": f"1px solid {rx.color('gray', 7)}", "background": "transparent"},
    )


def reconciliation_card() -> rx.Component:
    return card(
        rx.vstack(
            rx.heading("Акт сверки", size="4", as_="h2"),
            rx.text("Начальное сальдо, все поступления и списания за период и конечное сальдо — по данным "
                    "лицевого счёта.", size="2", color_scheme="gray"),
            rx.form(
                rx.flex(
                    rx.vstack(field_label("Плательщик", "rec-payer", size="2"),
                              payer_select(S.company_options, "payer_id", "rec-payer"), min_width="240px",
                              spacing="1"),
                    rx.vstack(field_label("С", "rec-from", size="2"),
                              rx.input(type="date", name="from", id="rec-from", default_value=S.rec_from),
                              field_error(S.err_date_from),
                              spacing="1"),
                    rx.vstack(field_label("По", "rec-to", size="2"),
                              rx.input(type="date", name="to", id="rec-to", default_value=S.rec_to),
                              field_error(S.err_date_to),
                              spacing="1"),
                    # An empty label row keeps the button level with the inputs when an error
                    # under a date makes its column taller.
                    rx.vstack(rx.text("\u00a0", size="2", custom_attrs={"aria-hidden": "true"}),
                              rx.button("Сформировать", type="submit", variant="soft", id="rec-submit"),
                              spacing="1"),
                    gap="12px", wrap="wrap", align="start",
                ),
                on_submit=S.prepare_reconciliation,
                reset_on_submit=False,
                width="100%",
            ),
            field_error(S.err_form),
            rx.cond(S.rec_url != "", download(S.rec_url, "rec-download", "Скачать акт сверки (PDF)")),
            spacing="3", width="100%",
        ),
    )


def documents_page() -> rx.Component:
    return app_shell(
        rx.hstack(page_title("Документы", "Счета на оплату, акты и акты сверки"), rx.spacer(),
                  rx.link(rx.button(rx.icon("file-plus", size=16), "Счёт на оплату"), href="/balance/invoice"),
                  width="100%", align="center", wrap="wrap"),
        rx.heading("Счета", size="4", as_="h2"),
        rx.cond(S.invoice_rows.length() > 0,
                rx.vstack(rx.foreach(S.invoice_rows, invoice_card), spacing="3", width="100%"),
                rx.cond(S.docs_loaded, empty_state("file-text", "Счетов пока нет",
                                                   "Выставьте счёт на организацию в «Баланс → Счёт на оплату»."))),
        rx.heading("Акты оказанных услуг", size="4", as_="h2", margin_top="12px"),
        rx.cond(S.act_rows.length() > 0,
                rx.vstack(rx.foreach(S.act_rows, act_card), spacing="3", width="100%"),
                rx.text("Акт за месяц формируется 1-го числа следующего месяца на плательщика по умолчанию "
                        "(ООО или ИП) и приходит на его email.", size="2", color_scheme="gray")),
        rx.cond(S.company_options.length() > 0, reconciliation_card()),
    )


def invoice_form_page() -> rx.Component:
    return app_shell(
        page_title("Счёт на оплату", "Оплата банковским переводом от организации или ИП"),
        rx.cond(
            F.inv_companies.length() > 0,
            card(rx.form(
                rx.vstack(
                    field_label("Плательщик", "invoice-payer", size="2", weight="medium"),
                    payer_select(F.inv_companies, "payer_id", "invoice-payer"),
                    field_error(F.err_payer_id),
                    rx.text("Что оплачиваем", size="2", weight="medium", margin_top="8px"),
                    rx.segmented_control.root(
                        rx.segmented_control.item("Пополнение баланса", value="amount"),
                        rx.segmented_control.item("Лицензия по тарифу", value="tariff"),
                        value=F.inv_mode, on_change=F.pick_invoice_mode, id="invoice-mode",
                        custom_attrs={"aria-label": "Что оплачиваем"},
                    ),
                    rx.cond(
                        F.inv_mode == "tariff",
                        rx.vstack(field_label("Тариф", "invoice-tariff", size="2", weight="medium"),
                                  payer_select(F.inv_tariffs, "tariff_id", "invoice-tariff"),
                                  rx.text("После оплаты лицензия появится в «Мои лицензии» автоматически. "
                                          "Цена — с вашей персональной скидкой.", size="1", color_scheme="gray"),
                                  field_error(F.err_tariff_id),
                                  spacing="1", width="100%"),
                        rx.vstack(field_label("Сумма, ₽", "invoice-amount", size="2", weight="medium"),
                                  rx.input(id="invoice-amount", name="amount", placeholder="Например, 10 000",
                                           input_mode="decimal", auto_complete="off", max_length=20, width="100%"),
                                  field_error(F.err_amount),
                                  rx.text("От 100 ₽. Деньги поступят на баланс.", size="1", color_scheme="gray"),
                                  spacing="1", width="100%"),
                    ),
                    field_error(F.err_form),
                    rx.button(rx.icon("file-text", size=16), "Выставить счёт", type="submit", loading=F.inv_busy,
                              id="issue-invoice", margin_top="8px"),
                    spacing="2", width="100%",
                ),
                on_submit=F.issue_invoice, reset_on_submit=False, width="100%",
            )),
            rx.cond(F.inv_loaded, empty_state(
                "building-2", "Нужен плательщик-организация",
                "Счёт выставляется на ООО или ИП. Добавьте его реквизиты в разделе «Плательщики».",
                rx.link(rx.button("Добавить плательщика"), href="/payers"))),
        ),
    )
