"""«Безопасность» (/security): two-factor sign-in with an authenticator app."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import app_shell, card, field_error, page_title
from ispgo_portal.state.security import SecurityState

S = SecurityState


def _code_input(element_id: str) -> rx.Component:
    return rx.input(id=element_id, name="code", input_mode="numeric", auto_complete="one-time-code",
                    placeholder="123456", max_length=32, width="100%", size="3")


def _enrolment() -> rx.Component:
    return rx.vstack(
        rx.text("1. Отсканируйте QR-код приложением-аутентификатором (Google Authenticator, "
                "Яндекс Ключ, Aegis, 1Password…) или введите секрет вручную.", size="2"),
        rx.image(src=S.enrol_qr, alt="QR-код для приложения-аутентификатора", width="200px",
                 height="200px", id="totp-qr"),
        rx.text("Секрет: ", rx.code(S.enrol_secret, id="totp-secret", size="2"), size="2",
                style={"word_break": "break-all"}),
        rx.form(
            rx.vstack(
                field_label("2. Код из приложения", "enrol-code", size="2", weight="medium"),
                _code_input("enrol-code"),
                field_error(S.err_code),
                rx.hstack(
                    rx.button("Включить", type="submit", loading=S.busy, id="enrol-confirm"),
                    rx.button("Отмена", type="button", variant="soft", color_scheme="gray",
                              on_click=S.cancel_enrolment),
                    spacing="3",
                ),
                spacing="2", width="100%", max_width="320px", align="start",
            ),
            on_submit=S.confirm_enrolment,
            id="enrol-form",
            reset_on_submit=True,
        ),
        spacing="3", width="100%", align="start",
    )


def _recovery_codes() -> rx.Component:
    return rx.callout.root(
        rx.vstack(
            rx.text("Коды восстановления — сохраните их сейчас, больше мы их не покажем. Каждый "
                    "код подходит для входа один раз, если телефона нет под рукой.", size="2", weight="medium"),
            rx.grid(rx.foreach(S.recovery_codes, lambda code: rx.code(code, size="3")),
                    columns="2", spacing="2", id="recovery-codes"),
            rx.button("Я сохранил коды", on_click=S.codes_saved, id="codes-saved"),
            spacing="3", align="start",
        ),
        color_scheme="amber", width="100%",
    )


def _enabled() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.badge("Включена", color_scheme="green", size="2"),
                  rx.text("Неиспользованных кодов восстановления: ", S.recovery_left, size="2"),
                  spacing="3", align="center", id="two-factor-status"),
        rx.cond(
            S.tf_required,
            rx.text("Администраторам двухфакторная защита обязательна. Потеряли телефон — "
                    "попросите другого администратора сбросить её.", size="2", color_scheme="gray"),
            rx.form(
                rx.vstack(
                    field_label("Отключить: код из приложения или код восстановления", "disable-code",
                                size="2", weight="medium"),
                    _code_input("disable-code"),
                    field_error(S.err_disable_code),
                    rx.button("Отключить", type="submit", color_scheme="red", variant="soft", id="disable-submit"),
                    spacing="2", width="100%", max_width="320px", align="start",
                ),
                on_submit=S.disable,
                reset_on_submit=True,
            ),
        ),
        spacing="3", align="start", width="100%",
    )


def security_page() -> rx.Component:
    return app_shell(
        page_title("Безопасность", "Вход с кодом из приложения-аутентификатора"),
        rx.cond(S.recovery_codes.length() > 0, _recovery_codes()),
        card(
            rx.vstack(
                rx.heading("Двухфакторная защита (TOTP)", size="4", as_="h2"),
                rx.text("После включения для входа нужен не только пароль, но и шестизначный код из "
                        "приложения на телефоне. Каждое включение, отключение и вход по коду "
                        "восстановления мы подтверждаем письмом.", size="2", color_scheme="gray"),
                rx.cond(
                    S.tf_enabled,
                    _enabled(),
                    rx.cond(
                        S.enrol_open,
                        _enrolment(),
                        rx.vstack(
                            rx.cond(S.tf_required, rx.callout(
                                "Администраторам двухфакторная защита обязательна: без неё админка не откроется.",
                                icon="shield-alert", color_scheme="red", size="1", id="two-factor-required")),
                            rx.badge("Выключена", color_scheme="gray", size="2"),
                            rx.button(rx.icon("shield-check", size=16), "Включить двухфакторную защиту",
                                      on_click=S.start_enrolment, id="enrol-start"),
                            spacing="3", align="start",
                        ),
                    ),
                ),
                spacing="3", width="100%", align="start",
            ),
            id="two-factor",
        ),
    )
