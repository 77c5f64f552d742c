"""Dashboard: account information (other areas add their blocks)."""

from __future__ import annotations

from ispgo_portal.money import format_rub
from ispgo_portal.services.accounts.summary import account_summary
from ispgo_portal.services.guard import Caller
from ispgo_portal.state.handler import customer_handler
from ispgo_portal.state.session import SessionState


class DashboardState(SessionState):
    email: str = ""
    name: str = ""
    balance: str = ""
    balance_negative: bool = False
    credit_limit: str = ""
    credit_used: str = ""
    available: str = ""
    discount: str = ""
    loaded: bool = False

    @customer_handler
    def load_dashboard(self, caller: Caller):
        summary = account_summary(user_id=caller.user_id)
        self.email = summary.email
        self.name = summary.name
        self.balance = format_rub(summary.balance)
        self.balance_negative = summary.balance < 0
        self.credit_limit = format_rub(summary.credit_limit)
        self.credit_used = format_rub(summary.credit_used)
        self.available = format_rub(summary.available)
        self.discount = f"{summary.discount_percent}%"
        self.loaded = True
