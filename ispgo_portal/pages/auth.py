"""Login and registration pages."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import field_error
from ispgo_portal.components.public import public_shell
from ispgo_portal.state.auth import (
    LoginState,
    RegisterState,
    submit_code,
    submit_login,
    submit_register,
)


def _labeled(label: str, control: rx.Component, error=None) -> rx.Component:
    return rx.vstack(
        field_label(label, control.id, size="2", weight="medium"),
        control,
        field_error(error) if error is not None else rx.fragment(),
        spacing="1",
        width="100%",
    )


def auth_card(title: str, *children: rx.Component) -> rx.Component:
    return public_shell(
        rx.center(
            rx.card(
                rx.vstack(rx.heading(title, size="6", as_="h1"), *children, spacing="4", width="100%"),
                size="4",
                width="100%",
                max_width="420px",
            ),
            width="100%",
            padding_y="32px",
        )
    )


def code_form() -> rx.Component:
    """The second step for an account with two-factor sign-in."""
    return rx.form(
        rx.vstack(
            rx.text("Введите шестизначный код из приложения-аутентификатора или один из кодов "
                    "восстановления.", size="2"),
            rx.input(type="hidden", name="challenge", value=LoginState.challenge),
            _labeled("Код", rx.input(id="code", name="code", input_mode="numeric", auto_complete="one-time-code",
                                     placeholder="123456", required=True, width="100%", size="3", max_length=32,
                                     auto_focus=True)),
            rx.cond(
                LoginState.code_error != "",
                rx.callout(LoginState.code_error, icon="triangle-alert", color_scheme="red",
                           size="1", width="100%", id="code-error"),
            ),
            rx.button("Подтвердить", type="submit", size="3", width="100%", id="code-submit"),
            rx.link("Войти под другой учётной записью", on_click=LoginState.back_to_password, size="2",
                    href="#"),
            spacing="3",
            width="100%",
        ),
        id="code-form",
        on_submit=submit_code(),
        reset_on_submit=True,
        width="100%",
    )


def login_page() -> rx.Component:
    return auth_card(
        "Вход в личный кабинет",
        rx.cond(LoginState.second_step, code_form(), password_form()),
    )


def password_form() -> rx.Component:
    return rx.fragment(
        rx.form(
            rx.vstack(
                _labeled("Email", rx.input(id="email", name="email", type="email", placeholder="ivan@example.ru",
                                           auto_complete="username", required=True, width="100%", size="3")),
                _labeled("Пароль", rx.input(id="password", name="password", type="password",
                                            auto_complete="current-password", required=True, width="100%", size="3")),
                rx.cond(
                    LoginState.login_error != "",
                    rx.callout(LoginState.login_error, icon="triangle-alert", color_scheme="red",
                               size="1", width="100%", id="login-error"),
                ),
                rx.button("Войти", type="submit", size="3", width="100%"),
                rx.hstack(
                    rx.link("Забыли пароль?", href="/password-reset", size="2"),
                    rx.spacer(),
                    rx.link("Регистрация", href="/register", size="2"),
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            id="login-form",
            on_submit=submit_login(),
            width="100%",
        ),
    )


def register_page() -> rx.Component:
    S = RegisterState
    return auth_card(
        "Регистрация",
        rx.form(
            rx.vstack(
                _labeled("Имя", rx.input(id="name", name="name", placeholder="Иван Петров", width="100%",
                                         size="3", auto_complete="name"), S.err_name),
                _labeled("Email", rx.input(id="email", name="email", type="email", placeholder="ivan@example.ru",
                                           width="100%", size="3", auto_complete="email"), S.err_email),
                _labeled("Пароль (не короче 8 символов)",
                         rx.input(id="password", name="password", type="password", width="100%", size="3",
                                  auto_complete="new-password"), S.err_password),
                _labeled("Повторите пароль",
                         rx.input(id="password_confirm", name="password_confirm", type="password", width="100%",
                                  size="3", auto_complete="new-password"), S.err_password_confirm),
                field_error(S.err_form),
                rx.button("Зарегистрироваться", type="submit", size="3", width="100%"),
                rx.text("Уже есть учётная запись? ", rx.link("Войти", href="/login"), size="2"),
                spacing="3",
                width="100%",
            ),
            id="register-form",
            on_submit=submit_register(),
            width="100%",
        ),
    )
