"""«Плательщики» (/payers): who pays — the customer as a person, an ООО or an ИП."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.dialogs import cancel_button, confirm_dialog
from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import app_shell, card, empty_state, field_error, page_title
from ispgo_portal.state.payers import PAYER_FIELDS, PayerRow, PayersState

S = PayersState


def text_field(label: str, name: str, *, placeholder: str = "", max_length: int = 300,
               input_mode: str = "text") -> rx.Component:
    element_id = f"payer-{name}"
    return rx.vstack(
        field_label(label, element_id, size="2", weight="medium"),
        rx.input(id=element_id, name=name, placeholder=placeholder, max_length=max_length,
                 input_mode=input_mode, auto_complete="off", width="100%"),
        field_error(getattr(S, PAYER_FIELDS[name])),
        spacing="1",
        width="100%",
    )


def company_fields() -> rx.Component:
    return rx.vstack(
        rx.cond(S.payer_kind == "entrepreneur",
                text_field("ФИО предпринимателя", "name", placeholder="ИП Петров Пётр Петрович"),
                text_field("Название организации", "name", placeholder="ООО «Веб-студия»")),
        rx.grid(
            text_field("ИНН", "inn", placeholder=rx.cond(S.payer_kind == "entrepreneur", "12 цифр", "10 цифр"),
                       max_length=12, input_mode="numeric"),
            rx.cond(S.payer_kind == "company", text_field("КПП", "kpp", placeholder="9 знаков", max_length=9)),
            text_field(rx.cond(S.payer_kind == "entrepreneur", "ОГРНИП", "ОГРН"), "ogrn", max_length=15,
                       input_mode="numeric"),
            columns=rx.breakpoints(initial="1", sm="3"),
            spacing="3",
            width="100%",
        ),
        text_field("Юридический адрес", "legal_address", max_length=500),
        text_field("Банк", "bank_name", placeholder="ПАО Сбербанк", max_length=200),
        rx.grid(
            text_field("БИК", "bik", max_length=9, input_mode="numeric"),
            text_field("Расчётный счёт", "account", max_length=20, input_mode="numeric"),
            text_field("Корр. счёт", "corr_account", max_length=20, input_mode="numeric"),
            columns=rx.breakpoints(initial="1", sm="3"),
            spacing="3",
            width="100%",
        ),
        text_field("Email для документов", "email", placeholder="buh@studio.ru", max_length=254,
                   input_mode="email"),
        spacing="3",
        width="100%",
    )


def payer_form() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Новый плательщик"),
            rx.dialog.description("Счета и закрывающие документы выставляются на организацию или ИП. "
                                  "ИНН, ОГРН и счета проверяются по контрольным цифрам.", size="2"),
            rx.vstack(
                rx.text("Тип плательщика", size="2", weight="medium", margin_top="12px"),
                rx.segmented_control.root(
                    rx.segmented_control.item("ООО", value="company"),
                    rx.segmented_control.item("ИП", value="entrepreneur"),
                    rx.segmented_control.item("Физ. лицо", value="person"),
                    value=S.payer_kind, on_change=S.pick_payer_kind, id="payer-kind",
                    custom_attrs={"aria-label": "Тип плательщика"},
                ),
                field_error(S.err_kind),
                rx.form(
                    rx.vstack(
                        rx.cond(S.payer_kind == "person",
                                rx.vstack(text_field("ФИО", "name"),
                                          text_field("Email для документов (необязательно)", "email",
                                                     input_mode="email", max_length=254),
                                          spacing="3", width="100%"),
                                company_fields()),
                        field_error(S.err_form),
                        rx.hstack(
                            cancel_button(),
                            rx.button("Сохранить", type="submit", loading=S.payer_busy, id="save-payer"),
                            justify="end",
                            spacing="3",
                            width="100%",
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=S.create_payer,
                    reset_on_submit=False,
                    id="payer-form",
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            max_width="640px",
        ),
        open=S.payer_form_open,
        on_open_change=S.set_payer_form_open,
    )


def payer_card(row: PayerRow) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.badge(row.kind_label, variant="soft"),
                rx.text(row.name, weight="bold", size="3", style={"word_break": "break-word"}),
                rx.cond(row.is_default, rx.badge("по умолчанию", color_scheme="green", variant="soft")),
                rx.spacer(),
                rx.cond(~row.is_default,
                        rx.button("Сделать основным", variant="soft", size="2",
                                  on_click=S.make_default(row.id.to_string()),
                                  id="default-payer-" + row.id.to_string())),
                confirm_dialog(
                    trigger=rx.button(rx.icon("trash-2", size=14), "Удалить", variant="soft", color_scheme="red",
                                      size="2", id="delete-payer-" + row.id.to_string()),
                    title="Удалить плательщика?",
                    text=rx.text("Плательщик «", row.name, "» будет удалён. Если на него уже выставлены документы, "
                                 "удалить его нельзя."),
                    action="Удалить", on_confirm=S.delete_payer(row.id.to_string()),
                    action_id="delete-payer-confirm-" + row.id.to_string(),
                ),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.cond(row.details != "", rx.text(row.details, size="2")),
            rx.cond(row.bank != "", rx.text(row.bank, size="2", color_scheme="gray")),
            rx.cond(row.email != "", rx.text("Документы: ", row.email, size="2", color_scheme="gray")),
            spacing="2",
            width="100%",
        ),
        id="payer-" + row.id.to_string(),
    )


def payers_page() -> rx.Component:
    return app_shell(
        rx.hstack(page_title("Плательщики", "На кого выставлять счета, акты и акты сверки"), rx.spacer(),
                  rx.button(rx.icon("plus", size=16), "Добавить плательщика", id="add-payer",
                            on_click=S.open_payer_form),
                  width="100%", align="center", wrap="wrap"),
        payer_form(),
        rx.cond(
            S.payer_rows.length() > 0,
            rx.vstack(rx.foreach(S.payer_rows, payer_card), spacing="3", width="100%"),
            rx.cond(S.payers_loaded,
                    empty_state("building-2", "Плательщиков пока нет",
                                "Добавьте ООО или ИП, чтобы оплачивать лицензии по счёту и получать закрывающие документы.")),
        ),
    )
