"""The 404 page, in Russian, with the ways back."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.layout import ACCENT
from ispgo_portal.components.public import public_shell


def not_found_page() -> rx.Component:
    return public_shell(
        rx.center(
            rx.card(
                rx.vstack(
                    rx.text("404", size="9", weight="bold", color=ACCENT, as_="div", aria_hidden="true"),
                    rx.heading("Страница не найдена", size="6", as_="h1"),
                    rx.text("Такой страницы нет: возможно, ссылка устарела или в адресе опечатка.",
                            color_scheme="gray", text_align="center"),
                    rx.hstack(
                        rx.link(rx.button(rx.icon("house", size=16), "На главную"), href="/", underline="none"),
                        rx.link(rx.button("Личный кабинет", variant="soft"), href="/dashboard", underline="none"),
                        rx.link(rx.button("FAQ", variant="soft"), href="/faq", underline="none"),
                        spacing="2",
                        wrap="wrap",
                        justify="center",
                    ),
                    align="center",
                    spacing="3",
                    id="not-found",
                ),
                size="4",
                width="100%",
                max_width="520px",
            ),
            width="100%",
            padding_y="48px",
        )
    )
