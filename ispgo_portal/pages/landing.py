"""/ — what ISPGo is, the tariffs on sale, and the way in."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.layout import ACCENT
from ispgo_portal.components.public import public_shell
from ispgo_portal.content.features import CAPABILITIES, PORTAL_PERKS, Capability
from ispgo_portal.state.landing import LandingState


def hero() -> rx.Component:
    return rx.vstack(
        rx.badge("Панель управления хостингом", variant="soft", size="2"),
        rx.heading("ISPGo — сайты, почта и DNS на ваших серверах в одной панели",
                   size=rx.breakpoints(initial="7", md="9"), line_height="1.15", max_width="820px", as_="h1"),
        rx.text(
            "Панель ISPGo управляет веб-сайтами, почтой, DNS, базами данных, cron-задачами и "
            "мониторингом серверов, а REST API автоматизирует остальное. На этом портале вы "
            "покупаете и продлеваете лицензии, пополняете баланс и общаетесь с поддержкой.",
            size=rx.breakpoints(initial="3", md="4"), color_scheme="gray", max_width="760px",
        ),
        rx.hstack(
            rx.link(rx.button(rx.icon("user-plus", size=18), "Зарегистрироваться", size="3"),
                    href="/register", underline="none", id="landing-register"),
            rx.link(rx.button(rx.icon("log-in", size=18), "Войти", size="3", variant="soft"),
                    href="/login", underline="none", id="landing-login"),
            rx.link("Все возможности →", href="/features", size="3"),
            spacing="4",
            align="center",
            wrap="wrap",
        ),
        spacing="5",
        padding_y=["16px", "40px"],
        width="100%",
    )


def capability_tile(cap: Capability) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.center(rx.icon(cap.icon, size=22, color=ACCENT), width="40px", height="40px",
                          border_radius="10px", background=rx.color("blue", 3)),
                rx.text(cap.title, weight="bold", size="3"),
                rx.text(cap.summary, size="2", color_scheme="gray"),
                spacing="2",
            ),
            height="100%",
            width="100%",
            _hover={"box_shadow": "0 2px 10px rgba(0,0,0,0.06)"},
        ),
        href=f"/features#{cap.slug}",
        underline="none",
        color="inherit",
        height="100%",
    )


def capabilities() -> rx.Component:
    return rx.vstack(
        rx.heading("Что умеет панель", size="6", as_="h2"),
        rx.grid(*[capability_tile(cap) for cap in CAPABILITIES],
                columns=rx.breakpoints(initial="1", sm="2", lg="4"), spacing="4", width="100%"),
        spacing="4",
        width="100%",
        id="landing-features",
    )


def step(number: str, title: str, text: str) -> rx.Component:
    return rx.hstack(
        rx.center(rx.text(number, weight="bold", color="white"), min_width="32px", height="32px",
                  border_radius="50%", background=ACCENT),
        rx.vstack(rx.text(title, weight="bold"), rx.text(text, size="2", color_scheme="gray"), spacing="1"),
        spacing="3",
        align="start",
    )


def how_it_works() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Как начать", size="6", as_="h2"),
            rx.grid(
                step("1", "Зарегистрируйтесь", "Личный кабинет создаётся за минуту: имя, email и пароль."),
                step("2", "Выберите тариф", "Оплатите с баланса или сразу картой через YooKassa."),
                step("3", "Активируйте панель", "Скопируйте ключ лицензии и введите его при установке "
                                                "панели на сервер."),
                columns=rx.breakpoints(initial="1", md="3"),
                spacing="5",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def limit_row(label: str, value) -> rx.Component:
    return rx.hstack(rx.text(label, size="2", color_scheme="gray"), rx.spacer(),
                     rx.text(value, size="2", weight="medium"), width="100%")


def tariff_card(tariff) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(tariff["name"], size="5", as_="h3"),
            rx.hstack(
                rx.text(tariff["price"], size="7", weight="bold", as_="div", white_space="nowrap"),
                rx.text(tariff["period"], size="2", color_scheme="gray"),
                align="baseline",
                spacing="2",
                wrap="wrap",
            ),
            rx.text(tariff["description"], size="2", color_scheme="gray"),
            rx.separator(size="4"),
            limit_row("Серверов", tariff["max_servers"]),
            limit_row("Сайтов", tariff["max_sites"]),
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
            rx.link(rx.button("Выбрать", width="100%", size="3"), href="/register", underline="none",
                    width="100%"),
            spacing="3",
            height="100%",
        ),
        size="3",
        class_name="landing-tariff",
        height="100%",
    )


def tariffs() -> rx.Component:
    return rx.vstack(
        rx.heading("Тарифы", size="6", as_="h2"),
        rx.text("Цена за период лицензии. 0 в ограничениях тарифа означает «без ограничений».",
                size="2", color_scheme="gray"),
        rx.cond(
            LandingState.tariffs_loaded,
            rx.cond(
                LandingState.tariffs.length() > 0,
                rx.grid(rx.foreach(LandingState.tariffs, tariff_card),
                        columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="4", width="100%"),
                rx.card(rx.text("Тарифы скоро появятся. Зарегистрируйтесь — и мы сообщим о начале продаж "
                                "в личном кабинете.", size="2"), width="100%"),
            ),
            rx.grid(*[rx.skeleton(height="280px") for _ in range(3)],
                    columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="4", width="100%"),
        ),
        spacing="3",
        width="100%",
        id="landing-tariffs",
    )


def perks() -> rx.Component:
    return rx.vstack(
        rx.heading("Личный кабинет", size="6", as_="h2"),
        rx.grid(
            *[rx.hstack(rx.icon(icon, size=22, color=ACCENT, flex_shrink="0"),
                        rx.vstack(rx.text(title, weight="bold"), rx.text(text, size="2", color_scheme="gray"),
                                  spacing="1"),
                        spacing="3", align="start")
              for icon, title, text in PORTAL_PERKS],
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="5",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def closing_call() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.heading("Готовы попробовать?", size="5", as_="h2"),
                rx.text("Ответы на частые вопросы — в FAQ, установка и API — в документации.",
                        size="2", color_scheme="gray"),
                spacing="1",
            ),
            rx.spacer(),
            rx.hstack(
                rx.link(rx.button("Зарегистрироваться", size="3"), href="/register", underline="none"),
                rx.link(rx.button("FAQ", size="3", variant="soft"), href="/faq", underline="none"),
                rx.link(rx.button("Документация", size="3", variant="soft"), href="/docs", underline="none"),
                spacing="2",
                wrap="wrap",
            ),
            direction=rx.breakpoints(initial="column", md="row"),
            gap="16px",
            align=rx.breakpoints(initial="start", md="center"),
            width="100%",
        ),
        size="3",
        width="100%",
    )


def landing_page() -> rx.Component:
    return public_shell(hero(), capabilities(), how_it_works(), tariffs(), perks(), closing_call())
