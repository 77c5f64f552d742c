"""The checkout dialog of «Тарифы» (buy) and «Мои лицензии» (renew): one view over the vars
of state/checkout.CheckoutState, which both pages' states mix in."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.dialogs import cancel_button
from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import field_error
from ispgo_portal.limits import PROMO_CODE_MAX


def method_picker(value, on_change, id_prefix: str) -> rx.Component:
    def option(method: str, title: str, hint: str) -> rx.Component:
        return rx.text(
            rx.hstack(
                rx.radio_group.item(value=method, id=f"{id_prefix}-method-{method}"),
                rx.vstack(rx.text(title, size="2", weight="medium"), rx.text(hint, size="1", color_scheme="gray"),
                          spacing="0"),
                spacing="2",
                align="start",
            ),
            as_="label",
            width="100%",
            padding="10px",
            border=f"1px solid {rx.color('gray', 6)}",
            border_radius="8px",
            cursor="pointer",
        )

    return rx.vstack(
        rx.text("Способ оплаты", size="2", weight="medium", id=f"{id_prefix}-method-label"),
        rx.radio_group.root(
            rx.grid(
                option("balance", "Баланс", "Сразу, с баланса, затем из кредитного лимита"),
                option("yookassa", "YooKassa", "Банковская карта, ЮMoney, СБП и другие способы"),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="2",
                width="100%",
            ),
            value=value,
            on_change=on_change,
            aria_labelledby=f"{id_prefix}-method-label",
            width="100%",
        ),
        spacing="1",
        width="100%",
    )


def promo_field(value, on_change, error, applied, input_id: str) -> rx.Component:
    return rx.vstack(
        field_label("Промокод (если есть)", input_id, size="2", weight="medium"),
        rx.input(id=input_id, value=value, on_change=on_change, debounce_timeout=400,
                 max_length=PROMO_CODE_MAX, auto_complete="off", width="100%"),
        field_error(error),
        rx.cond((error == "") & applied, rx.text("Промокод применён", size="1", color_scheme="green")),
        spacing="1",
        width="100%",
    )


def breakdown_row(label: str, value, **props) -> rx.Component:
    return rx.hstack(rx.text(label, size="2", color_scheme="gray"), rx.spacer(),
                     rx.text(value, white_space="nowrap", **{"size": "2", **props}), width="100%", align="baseline")


def price_breakdown(price, box_id: str) -> rx.Component:
    return rx.cond(
        price.ready,
        rx.vstack(
            breakdown_row("Цена", price.base),
            rx.cond(
                price.has_discount,
                rx.vstack(
                    breakdown_row("Скидка", price.discount, color_scheme="green"),
                    rx.text(price.source, size="1", color_scheme="gray"),
                    spacing="0",
                    width="100%",
                ),
            ),
            rx.separator(size="4"),
            breakdown_row("К оплате", price.final, weight="bold", size="4"),
            spacing="2",
            width="100%",
            padding="12px",
            background=rx.color("gray", 2),
            border_radius="8px",
            id=box_id,
        ),
        rx.skeleton(height="96px", width="100%"),
    )


def shortfall_callout(message) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(
            rx.vstack(
                rx.text(message, size="2"),
                rx.link("Пополнить баланс", href="/balance", size="2", weight="medium", id="shortfall-topup"),
                spacing="1",
            ),
            icon="wallet",
            color_scheme="orange",
            size="1",
            width="100%",
            id="shortfall",
        ),
    )


def checkout_dialog(state: type, id_prefix: str, *, title: rx.Component, description: rx.Component,
                    balance_label: str) -> rx.Component:
    """The buy or renew dialog of a page whose state mixes in CheckoutState: method, promo code,
    price, funds, the missing sum and the confirm button (ids <id_prefix>-promo, -breakdown,
    -confirm)."""
    method, shortfall = state.checkout_method, state.checkout_shortfall
    return rx.dialog.root(
        rx.dialog.content(
            title,
            description,
            rx.vstack(
                method_picker(method, state.set_checkout_method, id_prefix),
                promo_field(state.checkout_promo, state.set_checkout_promo, state.checkout_promo_error,
                            state.checkout_price.promo_applied, f"{id_prefix}-promo"),
                price_breakdown(state.checkout_price, f"{id_prefix}-breakdown"),
                rx.cond(method == "balance",
                        rx.text("Доступно средств: ", rx.text.strong(state.checkout_funds),
                                " (баланс + кредитный лимит)", size="1", color_scheme="gray")),
                shortfall_callout(shortfall),
                rx.hstack(
                    cancel_button(),
                    rx.button(rx.cond(method == "yookassa", "Перейти к оплате", balance_label),
                              on_click=state.confirm_checkout, loading=state.checkout_busy,
                              disabled=shortfall != "", id=f"{id_prefix}-confirm"),
                    justify="end",
                    spacing="3",
                    width="100%",
                    wrap="wrap",
                    class_name="dialog-actions",
                ),
                spacing="4",
                width="100%",
                margin_top="12px",
            ),
            max_width="520px",
        ),
        open=state.checkout_open,
        on_open_change=state.set_checkout_open,
    )
