"""/features «Возможности»: a section per capability of the panel."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.layout import ACCENT
from ispgo_portal.components.public import public_shell
from ispgo_portal.content.features import CAPABILITIES, PORTAL_PERKS, Capability


def contents() -> rx.Component:
    return rx.hstack(
        *[rx.link(rx.badge(rx.icon(cap.icon, size=14), cap.title, size="2", variant="surface"),
                  href=f"#{cap.slug}", underline="none") for cap in CAPABILITIES],
        spacing="2",
        wrap="wrap",
    )


def capability_section(cap: Capability) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.center(rx.icon(cap.icon, size=28, color=ACCENT), min_width="56px", width="56px", height="56px",
                      border_radius="14px", background=rx.color("blue", 3)),
            rx.vstack(
                rx.heading(cap.title, size="5", as_="h2"),
                rx.text(cap.summary, size="3"),
                rx.el.ul(*[rx.el.li(rx.text(line, size="2", color_scheme="gray")) for line in cap.details],
                         style={"padding_left": "1.2em", "margin": "0", "list_style_type": "disc", "display": "grid", "gap": "4px"}),
                spacing="2",
                width="100%",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="16px",
            width="100%",
        ),
        id=cap.slug,
        size=rx.breakpoints(initial="2", sm="3"),
        width="100%",
        scroll_margin_top="16px",
    )


def portal_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Лицензии и личный кабинет", size="5", as_="h2"),
            rx.text("Панель работает по лицензии. На портале вы выбираете тариф по числу серверов и "
                    "сайтов, оплачиваете его и получаете ключ для активации.", size="3"),
            rx.grid(
                *[rx.hstack(rx.icon(icon, size=20, color=ACCENT, flex_shrink="0"),
                            rx.vstack(rx.text(title, weight="bold", size="2"),
                                      rx.text(text, size="2", color_scheme="gray"), spacing="1"),
                            spacing="3", align="start")
                  for icon, title, text in PORTAL_PERKS],
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
            ),
            rx.hstack(
                rx.link(rx.button("Посмотреть тарифы"), href="/#landing-tariffs", underline="none"),
                rx.link(rx.button("Документация", variant="soft"), href="/docs", underline="none"),
                spacing="2",
                wrap="wrap",
            ),
            spacing="4",
            width="100%",
        ),
        id="licensing",
        size=rx.breakpoints(initial="2", sm="3"),
        width="100%",
    )


def features_page() -> rx.Component:
    return public_shell(
        rx.vstack(
            rx.heading("Возможности", size=rx.breakpoints(initial="7", md="8"), color=ACCENT, as_="h1"),
            rx.text("Что делает панель ISPGo на ваших серверах — коротко, по разделам.",
                    size="3", color_scheme="gray"),
            spacing="2",
        ),
        contents(),
        *[capability_section(cap) for cap in CAPABILITIES],
        portal_section(),
    )
