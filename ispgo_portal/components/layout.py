"""The shell every private page lives in: sidebar, header, content."""

from __future__ import annotations

import json

import reflex as rx

from ispgo_portal.state.session import LOGOUT_SCRIPT, SessionState

NAV_ITEMS = [
    ("Дашборд", "/dashboard", "layout-dashboard"),
    ("Баланс", "/balance", "wallet"),
    ("Тарифы", "/tariffs", "tags"),
    ("Мои лицензии", "/licenses", "key-round"),
    ("Плательщики", "/payers", "building-2"),
    ("Документы", "/documents", "file-text"),
    ("Тикеты", "/tickets", "life-buoy"),
    ("API-токены", "/api-tokens", "key-square"),
    ("Безопасность", "/security", "shield"),
    ("FAQ", "/faq", "circle-help"),
    ("Документация", "/docs", "book-open"),
]
ADMIN_ITEMS = [
    ("Обзор", "/admin", "chart-line"),
    ("Клиенты", "/admin/customers", "users"),
    ("Тарифы", "/admin/tariffs", "package"),
    ("Промокоды", "/admin/promo-codes", "ticket-percent"),
    ("Платежи", "/admin/payments", "credit-card"),
    ("Лицензии", "/admin/licenses", "shield-check"),
    ("Тикеты", "/admin/tickets", "messages-square"),
    ("Исходящие письма", "/admin/outbox", "mail"),
    ("Аудит", "/admin/audit", "scroll-text"),
]

ACCENT = "#2563eb"


def nav_link(label: str, href: str, icon: str) -> rx.Component:
    active = rx.State.router.page.path == href  # type: ignore[attr-defined]
    return rx.link(
        rx.hstack(rx.icon(icon, size=18), rx.text(label, size="2"), spacing="3", align="center"),
        href=href,
        underline="none",
        padding_x="12px",
        padding_y="8px",
        border_radius="8px",
        width="100%",
        color=rx.cond(active, ACCENT, rx.color("gray", 12)),
        background=rx.cond(active, rx.color("blue", 3), "transparent"),
        font_weight=rx.cond(active, "600", "400"),
        _hover={"background": rx.color("gray", 3)},
    )


def brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.image(src="/favicon.ico", width="26px", height="26px", alt=""),
            rx.text("ISPGo", size="5", weight="bold", color=ACCENT, as_="div"),
            rx.text("портал", size="2", color_scheme="gray"),
            align="center",
            spacing="2",
        ),
        href="/dashboard",
        underline="none",
    )


def nav_items() -> rx.Component:
    return rx.vstack(
        *[nav_link(*item) for item in NAV_ITEMS],
        rx.cond(
            SessionState.viewer_is_admin,
            rx.vstack(
                rx.text("Администрирование", size="1", color_scheme="gray", weight="bold",
                        padding_x="12px", padding_top="16px"),
                *[nav_link(*item) for item in ADMIN_ITEMS],
                spacing="1",
                width="100%",
            ),
        ),
        spacing="1",
        width="100%",
    )


def sidebar() -> rx.Component:
    # The outer box stretches with the page (background and border reach the bottom);
    # the inner one stays in view while the content scrolls.
    return rx.box(
        rx.el.nav(
            rx.vstack(brand(), rx.divider(), nav_items(), spacing="4", width="100%"),
            aria_label="Разделы портала",
            height="100vh",
            position="sticky",
            top="0",
            padding="16px",
            overflow_y="auto",
        ),
        width="240px",
        min_width="240px",
        align_self="stretch",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        display=["none", "none", "none", "block"],
    )


def mobile_menu() -> rx.Component:
    return rx.box(
        rx.drawer.root(
            rx.drawer.trigger(rx.icon_button(rx.icon("menu"), variant="ghost", aria_label="Меню")),
            rx.drawer.overlay(z_index="50"),
            rx.drawer.portal(
                rx.drawer.content(
                    rx.el.nav(rx.vstack(
                        rx.hstack(brand(), rx.spacer(),
                                  rx.drawer.close(rx.icon_button(rx.icon("x"), variant="ghost", aria_label="Закрыть")),
                                  width="100%"),
                        nav_items(),
                        spacing="4",
                        width="100%",
                    ), aria_label="Разделы портала"),
                    padding="16px",
                    width="280px",
                    height="100%",
                    background=rx.color("gray", 1),
                    overflow_y="auto",
                    z_index="51",
                ),
            ),
            direction="left",
        ),
        display=["block", "block", "block", "none"],
    )


def header() -> rx.Component:
    # The landmark is the sticky element: a sticky child of a box its own height would not stick.
    return rx.el.header(rx.hstack(
        mobile_menu(),
        rx.spacer(),
        rx.link(
            rx.badge(rx.icon("wallet", size=14, aria_hidden="true"), SessionState.viewer_balance, size="2",
                     variant="soft", color_scheme="green"),
            href="/balance",
            underline="none",
            aria_label="Баланс: " + SessionState.viewer_balance.to(str),
        ),
        rx.text(SessionState.viewer_email, size="2", color_scheme="gray",
                display=["none", "inline", "inline"]),
        # On a phone only the icon shows: the name stays for screen readers.
        rx.button(rx.icon("log-out", size=16), rx.text("Выйти", display=["none", "inline"]),
                  variant="soft", color_scheme="gray", size="2", aria_label="Выйти",
                  on_click=rx.call_script(LOGOUT_SCRIPT)),
        width="100%",
        align="center",
        spacing="3",
        padding_x=["12px", "24px"],
        padding_y="12px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
    ), position="sticky", top="0", z_index="10", width="100%")


MAIN_ID = "main-content"
ANNOUNCER_ID = "a11y-announcer"


def skip_link() -> rx.Component:
    """The first stop of the Tab key: jumps over the menus to the page's content (styled in theme.css)."""
    # The router would treat the fragment as a navigation and not focus it: move the focus here.
    return rx.el.a("Перейти к содержимому", href=f"#{MAIN_ID}", class_name="skip-link",
                   on_click=[rx.prevent_default, rx.call_script(
                       f"document.getElementById({json.dumps(MAIN_ID)})?.focus()")])


def announcer() -> rx.Component:
    """A polite live region: what `announce()` writes into it a screen reader reads out."""
    return rx.el.div(id=ANNOUNCER_ID, role="status", aria_live="polite", class_name="visually-hidden")


def announce(message: str) -> rx.event.EventSpec:
    """Say `message` through the live region (cleared first, so the same words are read again)."""
    return rx.call_script(
        f"(() => {{ const el = document.getElementById({json.dumps(ANNOUNCER_ID)}); if (!el) return;"
        f" el.textContent = ''; setTimeout(() => {{ el.textContent = {json.dumps(message)}; }}, 50); }})()"
    )


def page_title(title: str, subtitle: str = "") -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="7", as_="h1"),
        rx.cond(subtitle != "", rx.text(subtitle, color_scheme="gray", size="3")),
        spacing="1",
        margin_bottom="16px",
    )


def app_shell(*children: rx.Component) -> rx.Component:
    """A private page: waits for the session check, then shows sidebar + header + content."""
    return rx.hstack(
        skip_link(),
        announcer(),
        sidebar(),
        rx.vstack(
            header(),
            rx.el.main(
                rx.cond(
                    SessionState.auth_checked,
                    rx.vstack(*children, spacing="4", width="100%"),
                    loading_block(),
                ),
                id=MAIN_ID,
                tab_index=-1,
                width="100%",
                max_width="1200px",
                padding=["12px", "24px"],
            ),
            spacing="0",
            width="100%",
            min_width="0",
        ),
        spacing="0",
        width="100%",
        align="start",
        min_height="100vh",
        background=rx.color("gray", 2),
    )


def loading_block() -> rx.Component:
    return rx.vstack(
        rx.skeleton(height="32px", width="40%"),
        rx.skeleton(height="120px", width="100%"),
        rx.skeleton(height="120px", width="100%"),
        spacing="4",
        width="100%",
    )


def card(*children: rx.Component, **props) -> rx.Component:
    return rx.card(*children, size="3", width="100%", **props)


def empty_state(icon: str, title: str, hint: str, *actions: rx.Component) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=36, color=rx.color("gray", 9)),
            rx.text(title, weight="bold", size="4", as_="div"),
            rx.text(hint, color_scheme="gray", size="2", text_align="center"),
            *actions,
            align="center",
            spacing="2",
        ),
        padding="32px",
        width="100%",
    )


def field_error(message) -> rx.Component:
    return rx.cond(message != "", rx.text(message, color_scheme="red", size="1", role="alert"))
