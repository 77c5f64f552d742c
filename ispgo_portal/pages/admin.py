"""Admin pages."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.layout import app_shell, card, page_title
from ispgo_portal.state.admin_overview import AdminOverviewState


def _tile(label: str, value, href: str) -> rx.Component:  # noqa: ANN001
    return rx.link(
        card(rx.vstack(rx.text(label, size="2", color_scheme="gray"), rx.text(value, size="7", weight="bold"),
                       spacing="1")),
        href=href,
        underline="none",
    )


def admin_overview_page() -> rx.Component:
    S = AdminOverviewState
    return app_shell(
        page_title("Обзор", "Состояние портала"),
        rx.cond(
            S.ov_loaded,
            rx.grid(
                _tile("Клиентов", S.ov_customers, "/admin/customers"),
                _tile("Новых клиентов за 30 дней", S.ov_new_customers, "/admin/customers"),
                _tile("Активных лицензий", S.ov_active_licenses, "/admin/licenses"),
                _tile("Истекают в течение 7 дней", S.ov_expiring, "/admin/licenses"),
                _tile("Открытых тикетов", S.ov_open_tickets, "/admin/tickets"),
                _tile("Платежей в ожидании", S.ov_pending_payments, "/admin/payments"),
                columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                spacing="4",
                width="100%",
                id="admin-overview",
            ),
            rx.skeleton(height="200px", width="100%"),
        ),
    )
