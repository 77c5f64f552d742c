"""/payments/return: the result of a YooKassa payment, checked with YooKassa itself."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.layout import app_shell, card, page_title
from ispgo_portal.state.payment_return import PaymentReturnState


def _panel(icon: str, color: str, title, *lines: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.icon(icon, size=40, color=rx.color(color, 9)),
        rx.heading(title, size="5", text_align="center", as_="h2"),
        *lines,
        align="center",
        spacing="3",
        padding_y="24px",
        width="100%",
    )


def _links(*items: rx.Component) -> rx.Component:
    return rx.hstack(*items, spacing="3", wrap="wrap", justify="center")


def waiting() -> rx.Component:
    return _panel(
        "loader-circle", "blue", "Ожидаем подтверждение оплаты",
        rx.text("Обычно это занимает несколько секунд. Страница обновится сама.",
                color_scheme="gray", text_align="center"),
        rx.spinner(size="3"),
    )


def slow() -> rx.Component:
    return _panel(
        "clock", "orange", "Платёж ещё обрабатывается",
        rx.text("Как только платёжная система подтвердит оплату, средства поступят на баланс "
                "автоматически — ничего делать не нужно.", color_scheme="gray", text_align="center"),
        _links(rx.link(rx.button("Перейти к балансу", variant="soft"), href="/balance")),
    )


def succeeded() -> rx.Component:
    S = PaymentReturnState
    return _panel(
        "circle-check", "green",
        rx.cond(S.purpose == "topup", "Баланс пополнен", "Оплата получена"),
        rx.text("Сумма платежа: ", rx.text.strong(S.amount, id="return-amount")),
        rx.text("Баланс: ", rx.text.strong(S.balance, id="return-balance")),
        rx.cond(S.note != "",
                rx.callout(S.note, icon="info", color_scheme="amber", id="return-note")),
        _links(
            rx.cond(S.license_link != "",
                    rx.link(rx.button("Открыть лицензию"), href=S.license_link)),
            rx.link(rx.button("К балансу и истории", variant="soft"), href="/balance"),
            rx.link(rx.button("На дашборд", variant="outline", color_scheme="gray"), href="/dashboard"),
        ),
    )


def canceled() -> rx.Component:
    S = PaymentReturnState
    return _panel(
        "circle-x", "red", "Платёж не прошёл",
        rx.text(S.reason, id="return-reason", weight="medium", text_align="center"),
        rx.text("Деньги не списаны. Можно попробовать ещё раз или выбрать другую карту.",
                color_scheme="gray", text_align="center"),
        _links(rx.link(rx.button("Попробовать снова"), href="/balance")),
    )


def failed() -> rx.Component:
    return _panel(
        "triangle-alert", "orange", "Платёж не был создан",
        rx.text("Платёжная система не ответила. Деньги не списаны — попробуйте ещё раз.",
                color_scheme="gray", text_align="center"),
        _links(rx.link(rx.button("Вернуться к балансу"), href="/balance")),
    )


def not_found() -> rx.Component:
    return _panel(
        "search-x", "gray", "Платёж не найден",
        rx.text("Проверьте ссылку или откройте историю операций.", color_scheme="gray"),
        _links(rx.link(rx.button("Открыть баланс", variant="soft"), href="/balance")),
    )


def payment_return_page() -> rx.Component:
    S = PaymentReturnState
    return app_shell(
        page_title("Оплата"),
        card(
            rx.match(
                S.status,
                ("succeeded", succeeded()),
                ("canceled", canceled()),
                ("failed", failed()),
                ("not_found", not_found()),
                ("slow", slow()),
                waiting(),
            ),
            id="payment-result",
            data_state=S.status,
        ),
    )
