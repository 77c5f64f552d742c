"""Дашборд: account information and the customer's own password change."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.first_step import first_step_block
from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import app_shell, card, field_error, page_title
from ispgo_portal.pages.balance import recent_operations_block
from ispgo_portal.pages.licenses import licenses_dashboard_block
from ispgo_portal.pages.tickets import tickets_dashboard_block
from ispgo_portal.state.auth import PasswordState
from ispgo_portal.state.dashboard import DashboardState


def stat(label: str, value, hint: str = "", color: str = "") -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", color_scheme="gray"),
        rx.text(value, size="6", weight="bold", as_="div", color=color or None),
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")),
        spacing="1",
        align="start",
    )


def account_info() -> rx.Component:
    S = DashboardState
    return card(
        rx.vstack(
            rx.heading("Информация об аккаунте", size="4", as_="h2"),
            rx.grid(
                stat("Баланс", S.balance),
                stat("Кредитный лимит", S.credit_limit),
                stat("Использовано кредита", S.credit_used),
                stat("Доступно средств", S.available, "баланс + кредитный лимит"),
                stat("Индивидуальная скидка", S.discount),
                columns=rx.breakpoints(initial="1", xs="2", md="3"),
                spacing="5",
                width="100%",
                id="account-info",
            ),
            rx.separator(),
            rx.hstack(
                rx.text("Email: ", rx.text.strong(S.email), size="2"),
                rx.text("Имя: ", rx.text.strong(S.name), size="2"),
                spacing="5",
                wrap="wrap",
            ),
            spacing="4",
            width="100%",
        )
    )


def password_form() -> rx.Component:
    P = PasswordState

    def row(label: str, name: str, err, autocomplete: str) -> rx.Component:
        return rx.vstack(
            field_label(label, f"pw-{name}", size="2"),
            rx.input(id=f"pw-{name}", name=name, type="password", width="100%", auto_complete=autocomplete),
            field_error(err),
            spacing="1",
            width="100%",
        )

    return card(
        rx.vstack(
            rx.heading("Смена пароля", size="4", as_="h2"),
            rx.form(
                rx.vstack(
                    row("Текущий пароль", "current", P.err_current, "current-password"),
                    row("Новый пароль (не короче 8 символов)", "password", P.err_new, "new-password"),
                    row("Повторите новый пароль", "password_confirm", P.err_confirm, "new-password"),
                    rx.button("Сменить пароль", type="submit"),
                    spacing="3",
                    width="100%",
                    max_width="420px",
                ),
                on_submit=P.change_password,
                id="password-form",
            ),
            spacing="3",
            width="100%",
        )
    )


def dashboard_page() -> rx.Component:
    return app_shell(
        page_title("Дашборд", "Ваш аккаунт, лицензии и обращения"),
        first_step_block(),
        rx.cond(
            DashboardState.loaded,
            account_info(),
            rx.skeleton(height="160px", width="100%"),
        ),
        licenses_dashboard_block(),
        recent_operations_block(),
        tickets_dashboard_block(),
        password_form(),
    )
