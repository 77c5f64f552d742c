"""«Тарифы» (/tariffs): a card per tariff on sale and the «Купить лицензию» dialog.

The payment-method picker, promo field and price breakdown are shared with the renewal dialog
on «Мои лицензии»."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import app_shell, card, empty_state, field_error, page_title
from ispgo_portal.limits import PROMO_CODE_MAX
from ispgo_portal.pages.landing import limit_row
from ispgo_portal.state.tariffs import TariffsState

S = TariffsState


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
        rx.input(id=input_id, value=value, on_change=on_change, debounce_timeout=400, placeholder="SPRING25",
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


def checkout_controls(id_prefix: str, *, method, set_method, promo, set_promo, promo_error,
                      price, funds, shortfall, busy, on_confirm, balance_label: str) -> rx.Component:
    """The body of the buy and renew dialogs: method, promo code, price, funds, the missing sum
    and the confirm button (ids <id_prefix>-promo, -breakdown, -confirm)."""
    return rx.vstack(
        method_picker(method, set_method, id_prefix),
        promo_field(promo, set_promo, promo_error, price.promo_applied, f"{id_prefix}-promo"),
        price_breakdown(price, f"{id_prefix}-breakdown"),
        rx.cond(method == "balance",
                rx.text("Доступно средств: ", rx.text.strong(funds),
                        " (баланс + кредитный лимит)", size="1", color_scheme="gray")),
        shortfall_callout(shortfall),
        rx.hstack(
            rx.dialog.close(rx.button("Отмена", variant="soft", color_scheme="gray", type="button")),
            rx.button(rx.cond(method == "yookassa", "Перейти к оплате", balance_label),
                      on_click=on_confirm, loading=busy,
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
    )


def buy_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Покупка лицензии «", S.buy_tariff_name, "»"),
            rx.dialog.description("Новая лицензия на ", S.buy_period.replace("за ", ""),
                                  ". Индивидуальная скидка применяется сама; промокод и скидка не суммируются.",
                                  size="2", color_scheme="gray"),
            checkout_controls(
                "buy", method=S.buy_method, set_method=S.set_buy_method, promo=S.buy_promo,
                set_promo=S.set_buy_promo, promo_error=S.promo_error, price=S.price, funds=S.funds_available,
                shortfall=S.shortfall, busy=S.buy_busy, on_confirm=S.confirm_buy,
                balance_label="Оплатить с баланса",
            ),
            max_width="520px",
        ),
        open=S.buy_open,
        on_open_change=S.set_buy_open,
    )


def tariff_card(tariff) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(tariff["name"], size="5", as_="h2"),
            rx.hstack(
                rx.text(tariff["price"], size="7", weight="bold", as_="div", white_space="nowrap"),
                rx.text(tariff["period"], size="2", color_scheme="gray"),
                align="baseline",
                spacing="2",
                wrap="wrap",
            ),
            rx.text(tariff["description"], size="2", color_scheme="gray"),
            rx.separator(size="4"),
            limit_row("Максимум серверов", tariff["max_servers"]),
            limit_row("Максимум сайтов", tariff["max_sites"]),
            rx.cond(
                tariff["features"] != "",
                rx.vstack(
                    rx.foreach(
                        tariff["features"].split("\n"),
                        lambda line: rx.hstack(rx.icon("check", size=16, color=rx.color("green", 9)),
                                               rx.text(line, size="2"), spacing="2", align="center"),
                    ),
                    spacing="1",
                ),
            ),
            rx.spacer(),
            rx.button(rx.icon("shopping-cart", size=16), "Купить лицензию", width="100%", size="3",
                      on_click=S.open_buy(tariff["id"]), id="buy-tariff-" + tariff["id"]),
            spacing="3",
            height="100%",
        ),
        size="3",
        height="100%",
        class_name="tariff-card",
    )


def tariffs_page() -> rx.Component:
    return app_shell(
        page_title("Тарифы", "Лицензия панели ISPGo на выбранный срок. 0 в ограничениях — без ограничений."),
        rx.cond(
            S.tariffs_loaded,
            rx.cond(
                S.tariffs.length() > 0,
                rx.grid(rx.foreach(S.tariffs, tariff_card), columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                        spacing="4", width="100%", id="tariff-list"),
                card(empty_state("package", "Тарифы пока не продаются",
                                 "Загляните позже или напишите в поддержку — мы подскажем.",
                                 rx.link(rx.button("Создать тикет", variant="soft"), href="/tickets"))),
            ),
            rx.grid(*[rx.skeleton(height="320px") for _ in range(3)],
                    columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="4", width="100%"),
        ),
        rx.text("Покупка нового тарифа создаёт новую лицензию; прежние продолжают действовать до конца срока.",
                size="2", color_scheme="gray"),
        buy_dialog(),
    )
