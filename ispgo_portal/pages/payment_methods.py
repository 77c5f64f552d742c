"""«Способы оплаты» (a card in «Баланс»): saved cards and the autopay choice."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.dialogs import confirm_dialog
from ispgo_portal.components.layout import card
from ispgo_portal.state.payment_methods import CardRow, PaymentMethodsState

S = PaymentMethodsState


def _card_row(row: CardRow) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.hstack(rx.icon("credit-card", size=16), rx.text(row.title, weight="medium", size="2"),
                      rx.cond(row.is_autopay, rx.badge("Автоплатёж", color_scheme="green")), align="center"),
            rx.text(row.kind, " · срок действия ", row.expiry, size="1", color_scheme="gray"),
            rx.cond(row.declined != "", rx.text(row.declined, size="1", color_scheme="red")),
            spacing="1", align="start",
        ),
        rx.spacer(),
        rx.cond(
            row.is_autopay,
            rx.button("Не использовать для автоплатежа", size="1", variant="soft", color_scheme="gray",
                      on_click=S.stop_autopay),
            rx.button("Оплачивать автопродление", size="1", variant="soft",
                      on_click=S.choose_autopay(row.id)),
        ),
        confirm_dialog(
            trigger=rx.button(rx.icon("trash-2", size=14), "Удалить", size="1", variant="soft", color_scheme="red"),
            title="Удалить карту?", text=rx.text("Списаний с карты ", row.title, " больше не будет."),
            action="Удалить", on_confirm=S.delete_card(row.id), action_id="card-delete-confirm"),
        width="100%", align="center", spacing="3", class_name="saved-card",
    )


def payment_methods_card() -> rx.Component:
    return card(
        rx.vstack(
            rx.heading("Способы оплаты", size="4", as_="h2"),
            rx.text("Автопродление берёт деньги с баланса, затем из кредитного лимита, а если их не "
                    "хватает — недостающее списывается с карты, выбранной для автоплатежа. Карта "
                    "сохраняется, когда вы пополняете баланс с отметкой «Запомнить карту»; мы храним "
                    "только тип, последние 4 цифры и срок действия.", size="2", color_scheme="gray"),
            rx.cond(
                S.cards.length() > 0,
                rx.vstack(rx.foreach(S.cards, _card_row), spacing="3", width="100%", id="saved-cards"),
                rx.text("Сохранённых карт нет.", size="2", id="no-saved-cards"),
            ),
            spacing="3", width="100%",
        ),
        id="payment-methods",
    )
