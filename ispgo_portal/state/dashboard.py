"""Dashboard: account information (other areas add their blocks)."""

from __future__ import annotations

from ispgo_portal.money import format_rub
from ispgo_portal.services.accounts.summary import account_summary
from ispgo_portal.services.guard import Caller
from ispgo_portal.state.handler import customer_handler
from ispgo_portal.state.session import SessionState


class DashboardState(SessionState):
    acc_email: str = ""
    acc_name: str = ""
    acc_balance: str = ""
    acc_balance_negative: bool = False
    acc_credit_limit: str = ""
    acc_credit_used: str = ""
    acc_available: str = ""
    acc_discount: str = ""
    loaded: bool = False

    @customer_handler
    def load_dashboard(self, caller: Caller):
        summary = account_summary(user_id=caller.user_id)
        self.acc_email = summary.email
        self.acc_name = summary.name
        self.acc_balance = format_rub(summary.balance)
        self.acc_balance_negative = summary.balance < 0
        self.acc_credit_limit = format_rub(summary.credit_limit)
        self.acc_credit_used = format_rub(summary.credit_used)
        self.acc_available = format_rub(summary.available)
        self.acc_discount = f"{summary.discount_percent}%"
        self.loaded = True
