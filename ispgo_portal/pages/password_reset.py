"""«Забыли пароль?» (/password-reset) and the new-password form (/password-reset/confirm)."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import field_error
from ispgo_portal.pages.auth import auth_card
from ispgo_portal.state.password_reset import PasswordResetState

S = PasswordResetState


def _field(label: str, control: rx.Component, error=None) -> rx.Component:
    return rx.vstack(
        field_label(label, control.id, size="2", weight="medium"),
        control,
        field_error(error) if error is not None else rx.fragment(),
        spacing="1",
        width="100%",
    )


def _sent_notice() -> rx.Component:
    return rx.vstack(
        rx.callout(
            "Если этот email зарегистрирован, мы отправили на него письмо со ссылкой для смены пароля. "
            "Ссылка действует один час и срабатывает один раз.",
            icon="mail-check", color_scheme="green", width="100%", id="reset-sent",
        ),
        rx.text("Письма нет? Проверьте папку «Спам» или запросите ссылку ещё раз через пару минут.",
                size="2", color_scheme="gray"),
        rx.link("Вернуться ко входу", href="/login", size="2"),
        spacing="3",
        width="100%",
    )


def password_reset_page() -> rx.Component:
    return auth_card(
        "Забыли пароль?",
        rx.cond(
            S.reset_requested,
            _sent_notice(),
            rx.form(
                rx.vstack(
                    rx.text("Укажите email, с которым вы входите в личный кабинет. Мы пришлём ссылку "
                            "для смены пароля.", size="2", color_scheme="gray"),
                    _field("Email", rx.input(id="reset-email", name="email", type="email", required=True,
                                             placeholder="ivan@example.ru", auto_complete="email",
                                             width="100%", size="3"),
                           S.err_email),
                    rx.button("Получить ссылку", type="submit", size="3", width="100%", id="reset-submit"),
                    rx.link("Вспомнили пароль? Войти", href="/login", size="2"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.request_reset,
                reset_on_submit=False,
                width="100%",
            ),
        ),
    )


def _dead_link() -> rx.Component:
    return rx.vstack(
        rx.callout(rx.cond(S.reset_error != "", S.reset_error,
                           "Ссылка для восстановления пароля недействительна или устарела. Запросите новую."),
                   icon="link-2-off", color_scheme="red", width="100%", id="reset-link-invalid"),
        rx.link(rx.button("Запросить новую ссылку", size="3", width="100%"), href="/password-reset",
                width="100%"),
        spacing="3",
        width="100%",
    )


def password_reset_confirm_page() -> rx.Component:
    return auth_card(
        "Новый пароль",
        rx.cond(
            S.reset_link_checked,
            rx.cond(
                S.reset_link_ok,
                rx.form(
                    rx.vstack(
                        _field("Новый пароль (не короче 8 символов)",
                               rx.input(id="reset-password", name="password", type="password", width="100%",
                                        size="3", auto_complete="new-password", required=True),
                               S.err_password),
                        _field("Повторите пароль",
                               rx.input(id="reset-password-confirm", name="password_confirm", type="password",
                                        width="100%", size="3", auto_complete="new-password", required=True),
                               S.err_password_confirm),
                        field_error(S.reset_error),
                        rx.text("После смены пароля все сеансы будут завершены: войдите заново.",
                                size="2", color_scheme="gray"),
                        rx.button("Сохранить пароль", type="submit", size="3", width="100%",
                                  id="reset-confirm-submit"),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=S.confirm_reset,
                    width="100%",
                ),
                _dead_link(),
            ),
            rx.vstack(rx.skeleton(height="40px", width="100%"), rx.skeleton(height="40px", width="100%"),
                      spacing="3", width="100%"),
        ),
    )
