"""Дашборд: account information and the customer's own password change."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.first_step import first_step_block
from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import app_shell, card, empty_state, field_error, page_title
from ispgo_portal.components.tickets import status_badge
from ispgo_portal.pages.balance import recent_row
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


def dashboard_block(title: str, link_text: str, href: str, body: rx.Component, *, block_id: str,
                    skeleton: str = "48px") -> rx.Component:
    """A dashboard card: its title with a link to the full section, the body once the
    dashboard has loaded, a skeleton until then."""
    return card(
        rx.vstack(
            rx.hstack(
                rx.heading(title, size="4", as_="h2"),
                rx.spacer(),
                rx.link(link_text, href=href, size="2"),
                width="100%",
                align="center",
            ),
            rx.cond(DashboardState.loaded, body, rx.skeleton(height=skeleton, width="100%")),
            spacing="3",
            width="100%",
        ),
        id=block_id,
    )


def licenses_dashboard_block() -> rx.Component:
    D = DashboardState
    expiring = rx.vstack(
        rx.text("Истекают в ближайшие 7 дней:", size="2", color_scheme="orange"),
        rx.foreach(D.expiring, lambda row: rx.hstack(
            rx.text("«", row.tariff, "» — до ", row.expires, " (", row.days_left, ")", size="2"),
            rx.link("Продлить", href="/licenses?highlight=" + row.id.to_string(), size="2", weight="medium"),
            spacing="2",
            align="center",
            wrap="wrap",
        )),
        spacing="1",
        id="dashboard-expiring-licenses",
    )
    body = rx.vstack(
        rx.text("Активных лицензий: ", rx.text.strong(D.licenses_active), size="2", id="dashboard-active-licenses"),
        rx.cond(D.expiring.length() > 0, expiring,
                rx.text("В ближайшие 7 дней ничего не истекает.", size="2", color_scheme="gray")),
        spacing="2",
        width="100%",
    )
    return dashboard_block("Лицензии", "Мои лицензии", "/licenses", body, block_id="dashboard-licenses")


def recent_operations_block() -> rx.Component:
    S = DashboardState
    body = rx.cond(
        S.recent_rows.length() > 0,
        rx.vstack(rx.foreach(S.recent_rows, recent_row), spacing="0", width="100%"),
        empty_state("wallet", "Операций пока нет", "Пополните баланс, чтобы оплачивать лицензии в один клик.",
                    rx.link(rx.button("Пополнить баланс", variant="soft"), href="/balance")),
    )
    return dashboard_block("Последние операции", "Вся история", "/balance", body, block_id="recent-operations",
                           skeleton="120px")


def tickets_dashboard_block() -> rx.Component:
    S = DashboardState
    queue = rx.link(
        rx.hstack(rx.icon("messages-square", size=16),
                  rx.text("Очередь поддержки: ", rx.text.strong(S.queue_active),
                          " активных, ждут ответа: ", rx.text.strong(S.queue_waiting), size="2"),
                  align="center", spacing="2"),
        href="/admin/tickets", underline="hover", id="dashboard-ticket-queue",
    )
    body = rx.vstack(
        rx.text("Открытых тикетов: ", rx.text.strong(S.tickets_active), size="2", id="dashboard-open-tickets"),
        rx.foreach(S.recent_tickets, lambda row: rx.link(
            rx.hstack(rx.text("№", row.id, " ", row.subject, size="2", trim="both"),
                      status_badge(row.status, row.status_label), align="center", spacing="2", wrap="wrap"),
            href=row.href, underline="hover", color="inherit")),
        rx.cond(S.show_queue, queue),
        spacing="2",
        width="100%",
    )
    return dashboard_block("Обращения в поддержку", "Все тикеты", "/tickets", body, block_id="dashboard-tickets")


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
