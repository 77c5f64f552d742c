"""Admin "Обзор": counts and revenue charts."""

from __future__ import annotations

from ispgo_portal.money import format_rub
from ispgo_portal.services.billing import reports
from ispgo_portal.services.guard import Caller
from ispgo_portal.state.handler import admin_handler
from ispgo_portal.state.session import SessionState


def _chart_points(points: list[reports.RevenuePoint]) -> list[dict]:
    # Charts need numbers; rubles as a float are for drawing only, the text uses format_rub.
    return [{"label": p.label, "rub": round(p.amount / 100, 2), "text": format_rub(p.amount)}
            for p in points]


class AdminOverviewState(SessionState):
    customers: int = 0
    new_customers: int = 0
    active_licenses: int = 0
    expiring: int = 0
    open_tickets: int = 0
    pending_payments: int = 0
    revenue_30d: str = ""
    revenue_12m: str = ""
    revenue_days: list[dict] = []
    revenue_months: list[dict] = []
    loaded: bool = False

    @admin_handler(page=True)
    def load_overview(self, caller: Caller):
        ov = reports.overview(admin_id=caller.user_id)
        revenue = reports.revenue(admin_id=caller.user_id)
        self.customers = ov.customers
        self.new_customers = ov.new_customers_30d
        self.active_licenses = ov.active_licenses
        self.expiring = ov.expiring_7d
        self.open_tickets = ov.open_tickets
        self.pending_payments = ov.pending_payments
        self.revenue_30d = format_rub(revenue.total_30d)
        self.revenue_12m = format_rub(revenue.total_12m)
        self.revenue_days = _chart_points(revenue.days)
        self.revenue_months = _chart_points(revenue.months)
        self.loaded = True
