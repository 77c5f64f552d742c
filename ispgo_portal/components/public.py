"""Shell for public pages (landing, FAQ, features, docs, login)."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.layout import ACCENT, MAIN_ID, announcer, skip_link
from ispgo_portal.state.session import SessionState


def public_nav() -> rx.Component:
    return rx.el.header(rx.hstack(
        rx.link(rx.hstack(rx.image(src="/favicon.ico", width="26px", height="26px", alt=""),
                          rx.text("ISPGo", size="5", weight="bold", color=ACCENT, as_="div"), align="center", spacing="2"),
                href="/", underline="none"),
        rx.spacer(),
        rx.el.nav(
            rx.hstack(
                rx.link("Возможности", href="/features", color_scheme="gray"),
                rx.link("FAQ", href="/faq", color_scheme="gray"),
                rx.link("Документация", href="/docs", color_scheme="gray"),
                spacing="4",
            ),
            aria_label="Разделы сайта",
            display=["none", "none", "block"],
        ),
        # On a phone the section links live in a menu.
        rx.box(
            rx.menu.root(
                rx.menu.trigger(rx.icon_button(rx.icon("menu"), variant="ghost", aria_label="Разделы",
                                               id="public-nav-menu")),
                rx.menu.content(
                    rx.menu.item("Возможности", on_click=rx.redirect("/features")),
                    rx.menu.item("FAQ", on_click=rx.redirect("/faq")),
                    rx.menu.item("Документация", on_click=rx.redirect("/docs")),
                ),
            ),
            display=["block", "block", "none"],
        ),
        # auth_checked is filled by SessionState.refresh_header in the page's on_load.
        rx.cond(
            SessionState.auth_checked,
            rx.link(rx.button(rx.icon("layout-dashboard", size=16), "Личный кабинет"), href="/dashboard",
                    id="public-nav-cabinet"),
            rx.hstack(
                rx.link(rx.button("Войти", variant="soft"), href="/login"),
                rx.link(rx.button("Регистрация"), href="/register", display=["none", "inline"]),
                spacing="3",
                align="center",
            ),
        ),
        width="100%",
        align="center",
        spacing="3",
        padding_x=["12px", "32px"],
        padding_y="14px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
    ), width="100%")


def public_shell(*children: rx.Component) -> rx.Component:
    return rx.vstack(
        skip_link(),
        announcer(),
        public_nav(),
        rx.el.main(rx.vstack(*children, spacing="5", width="100%"), id=MAIN_ID, tab_index=-1, width="100%",
                   max_width="1100px", padding=["16px", "32px"], margin_x="auto"),
        rx.el.footer(rx.center(rx.text("© ISPGo — панель управления хостингом", size="1", color_scheme="gray"),
                               padding="24px", width="100%"), width="100%"),
        spacing="0",
        width="100%",
        min_height="100vh",
        background=rx.color("gray", 2),
    )
