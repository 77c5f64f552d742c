"""«API-токены» (/api-tokens): tokens for the customer REST API."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.dialogs import cancel_button, confirm_dialog
from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import announce, app_shell, card, empty_state, page_title
from ispgo_portal.limits import TOKEN_NAME_MAX
from ispgo_portal.state.api_tokens import ApiTokensState, TokenRow

S = ApiTokensState

RULES = ("Токен даёт доступ к вашему кабинету без пароля — храните его как пароль. "
         "Права «чтение» — для запросов GET, «изменение» — для покупок, продлений, пополнений и тикетов. "
         "Блокировка учётной записи и смена пароля (вами, администратором или по ссылке из письма) "
         "отзывают все токены — после этого создайте новые.")


def fact(label: str, value: rx.Component | str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"), rx.text(value, size="2"),
                     spacing="0", align="start", min_width="140px")


def token_card(row: TokenRow) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.text(row.name, weight="bold", size="3", style={"word_break": "break-word"}),
                rx.badge(row.status_label, color_scheme=row.status_color, variant="soft"),
                rx.spacer(),
                rx.cond(
                    row.active,
                    confirm_dialog(
                        trigger=rx.button(rx.icon("ban", size=14), "Отозвать", variant="soft", color_scheme="red",
                                          size="2", id="revoke-token-" + row.id.to_string()),
                        title="Отозвать токен?",
                        text=rx.text("Скрипты, которые используют токен «", row.name,
                                     "», сразу получат ошибку 401. Отменить это нельзя."),
                        action="Отозвать", on_confirm=S.revoke_token(row.id.to_string()),
                        action_id="revoke-confirm-" + row.id.to_string(),
                    ),
                ),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.flex(
                fact("Начало токена", rx.code(row.prefix, size="2")),
                fact("Права", row.scopes),
                fact("Создан", row.created),
                fact("Последнее использование", row.last_used),
                fact("Действует до", row.expires),
                wrap="wrap",
                gap="16px",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        id="token-" + row.id.to_string(),
    )


def new_token_notice() -> rx.Component:
    return rx.vstack(
        rx.callout("Скопируйте токен сейчас: после закрытия окна его нельзя будет увидеть снова.",
                   icon="triangle-alert", color_scheme="orange", width="100%"),
        rx.hstack(
            rx.code(S.new_token, size="2", variant="soft", id="new-api-token",
                    style={"word_break": "break-all"}),
            rx.icon_button(rx.icon("copy", size=16), variant="soft", aria_label="Скопировать токен",
                           id="copy-new-token",
                           on_click=[rx.set_clipboard(S.new_token),
                                     rx.toast.success("Токен скопирован", close_button=True),
                                     announce("Токен скопирован")]),
            align="center",
            width="100%",
        ),
        rx.dialog.close(rx.button("Готово", width="100%", id="new-token-done")),
        spacing="3",
        width="100%",
    )


def create_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            field_label("Название", "token-name", size="2", weight="medium"),
            rx.input(name="name", placeholder="Например, «Биллинг реселлера»", max_length=TOKEN_NAME_MAX,
                     id="token-name", width="100%"),
            rx.text("Права", size="2", weight="medium", id="token-scopes-label"),
            rx.hstack(
                rx.text(rx.checkbox(name="scope_read", default_checked=True, id="token-scope-read",
                                    custom_attrs={"aria-label": "чтение"}),
                        " чтение", as_="label", size="2"),
                rx.text(rx.checkbox(name="scope_write", default_checked=False, id="token-scope-write",
                                    custom_attrs={"aria-label": "изменение"}),
                        " изменение", as_="label", size="2"),
                spacing="4",
                role="group",
                aria_labelledby="token-scopes-label",
            ),
            field_label("Действует до (необязательно)", "token-expires", size="2", weight="medium"),
            rx.input(name="expires", type="date", id="token-expires", width="100%"),
            rx.cond(S.form_error != "", rx.callout(S.form_error, icon="circle-alert", color_scheme="red",
                                                   width="100%", id="token-form-error")),
            rx.hstack(
                cancel_button(),
                rx.button("Создать токен", type="submit", loading=S.busy, id="token-create-submit"),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=S.create_token,
        reset_on_submit=False,
    )


def create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.new_token != "", "Токен создан", "Новый API-токен")),
            rx.cond(S.new_token != "", new_token_notice(), create_form()),
            max_width="520px",
        ),
        open=S.form_open,
        on_open_change=S.close_form,
    )


def api_tokens_page() -> rx.Component:
    return app_shell(
        rx.hstack(
            page_title("API-токены", "Доступ к кабинету из ваших скриптов и биллинга через REST API"),
            rx.spacer(),
            rx.button(rx.icon("plus", size=16), "Создать токен", on_click=S.open_form, id="new-token-button"),
            width="100%",
            align="start",
            wrap="wrap",
        ),
        rx.callout(rx.text(RULES, " Описание API — в ", rx.link("документации", href="/docs#rest-api"), "."),
                   icon="info", width="100%", margin_bottom="16px"),
        rx.cond(
            S.tokens_loaded,
            rx.cond(
                S.tokens.length() > 0,
                rx.vstack(rx.foreach(S.tokens, token_card), spacing="4", width="100%", id="token-list"),
                card(empty_state("key-square", "Токенов пока нет",
                                 "Создайте токен, чтобы покупать и продлевать лицензии из своих скриптов.",
                                 rx.button("Создать токен", on_click=S.open_form))),
            ),
            rx.vstack(rx.skeleton(height="120px", width="100%"), rx.skeleton(height="120px", width="100%"),
                      spacing="4", width="100%"),
        ),
        create_dialog(),
    )
