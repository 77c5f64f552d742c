"""«Тарифы» (/tariffs): a card per tariff on sale and the «Купить лицензию» dialog (the
checkout shared with the renewal dialog on «Мои лицензии»)."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.checkout import checkout_dialog
from ispgo_portal.components.layout import app_shell, card, empty_state, page_title
from ispgo_portal.pages.landing import limit_row
from ispgo_portal.state.tariffs import TariffsState

S = TariffsState


def buy_dialog() -> rx.Component:
    return checkout_dialog(
        S, "buy",
        title=rx.dialog.title("Покупка лицензии «", S.buy_tariff_name, "»"),
        description=rx.dialog.description(
            "Новая лицензия на ", S.buy_period.replace("за ", ""),
            ". Индивидуальная скидка применяется сама; промокод и скидка не суммируются.",
            size="2", color_scheme="gray"),
        balance_label="Оплатить с баланса",
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
