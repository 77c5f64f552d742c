"""Admin "Обзор"."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.services import reports
from ispgo_portal.services.errors import DomainError
from ispgo_portal.state.session import SessionState, error_toast


class AdminOverviewState(SessionState):
    ov_customers: int = 0
    ov_new_customers: int = 0
    ov_active_licenses: int = 0
    ov_expiring: int = 0
    ov_open_tickets: int = 0
    ov_pending_payments: int = 0
    ov_loaded: bool = False

    @rx.event
    def load_overview(self):
        try:
            self._admin()
        except DomainError as exc:
            self.ov_loaded = False
            return error_toast(exc)
        ov = reports.overview()
        self.ov_customers = ov.customers
        self.ov_new_customers = ov.new_customers_30d
        self.ov_active_licenses = ov.active_licenses
        self.ov_expiring = ov.expiring_7d
        self.ov_open_tickets = ov.open_tickets
        self.ov_pending_payments = ov.pending_payments
        self.ov_loaded = True
        return None
