"""Admin «Обзор»: revenue charts and the tiles that lead to the other admin pages."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.layout import ACCENT, app_shell, card, page_title
from ispgo_portal.state.admin_overview import AdminOverviewState


def _tile(label: str, value, href: str, tile_id: str) -> rx.Component:
    return rx.link(
        card(rx.vstack(rx.text(label, size="2", color_scheme="gray"),
                       rx.text(value, size="7", weight="bold", as_="div", color=rx.color("gray", 12)),
                       spacing="1")),
        href=href,
        underline="none",
        id=tile_id,
    )


def _revenue_chart(data, chart_id: str) -> rx.Component:
    return rx.box(
        rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
            rx.recharts.x_axis(data_key="label", tick_line=False, font_size=12),
            rx.recharts.y_axis(width=70, tick_line=False, font_size=12),
            rx.recharts.graphing_tooltip(),
            rx.recharts.bar(data_key="rub", name="Выручка, ₽", fill=ACCENT, radius=[4, 4, 0, 0]),
            data=data,
            width="100%",
            height=280,
            margin={"top": 10, "right": 10, "left": 0, "bottom": 0},
        ),
        width="100%",
        id=chart_id,
    )


def _revenue_card() -> rx.Component:
    S = AdminOverviewState
    return card(
        rx.vstack(
            rx.hstack(
                rx.heading("Выручка", size="4", as_="h2"),
                rx.spacer(),
                rx.text("оплаты YooKassa за вычетом возвратов", size="2", color_scheme="gray"),
                width="100%",
                wrap="wrap",
                align="baseline",
            ),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger("30 дней", value="days"),
                    rx.tabs.trigger("12 месяцев", value="months"),
                ),
                rx.tabs.content(
                    rx.text("Итого за 30 дней: ", rx.text.strong(S.revenue_30d, id="revenue-30d"),
                            size="2", padding_y="8px"),
                    _revenue_chart(S.revenue_days, "revenue-days-chart"),
                    value="days",
                ),
                rx.tabs.content(
                    rx.text("Итого за 12 месяцев: ", rx.text.strong(S.revenue_12m, id="revenue-12m"),
                            size="2", padding_y="8px"),
                    _revenue_chart(S.revenue_months, "revenue-months-chart"),
                    value="months",
                ),
                default_value="days",
                width="100%",
            ),
            spacing="3",
            width="100%",
        )
    )


def admin_overview_page() -> rx.Component:
    S = AdminOverviewState
    return app_shell(
        page_title("Обзор", "Выручка, лицензии, клиенты и обращения"),
        rx.cond(
            S.loaded,
            rx.vstack(
                rx.grid(
                    _tile("Выручка за 30 дней", S.revenue_30d, "/admin/payments", "tile-revenue"),
                    _tile("Активных лицензий", S.active_licenses, "/admin/licenses", "tile-active-licenses"),
                    _tile("Истекают в течение 7 дней", S.expiring, "/admin/licenses", "tile-expiring"),
                    _tile("Новых клиентов за 30 дней", S.new_customers, "/admin/customers",
                          "tile-new-customers"),
                    _tile("Открытых тикетов", S.open_tickets, "/admin/tickets", "tile-open-tickets"),
                    _tile("Платежей в ожидании", S.pending_payments, "/admin/payments",
                          "tile-pending-payments"),
                    columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                    spacing="4",
                    width="100%",
                ),
                _revenue_card(),
                rx.text("Всего клиентов: ", rx.text.strong(S.customers), size="2", color_scheme="gray"),
                spacing="4",
                width="100%",
                id="admin-overview",
            ),
            rx.vstack(
                rx.grid(*[rx.skeleton(height="96px", width="100%") for _ in range(6)],
                        columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="4", width="100%"),
                rx.skeleton(height="320px", width="100%"),
                spacing="4",
                width="100%",
            ),
        ),
    )
