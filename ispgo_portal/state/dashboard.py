"""«Дашборд»: the account, the first step, licenses, recent operations and tickets — loaded by
one handler, so opening the page is one event (one caller check, one worker-thread hop, one
state write) after the session check, not one per block."""

from __future__ import annotations

from ispgo_portal.clock import format_date
from ispgo_portal.money import format_rub
from ispgo_portal.services.accounts.summary import account_summary
from ispgo_portal.services.billing.history import recent_ledger_rows
from ispgo_portal.services.guard import Caller
from ispgo_portal.services.licensing import views as license_views
from ispgo_portal.services.licensing.catalog import has_started
from ispgo_portal.services.support import tickets
from ispgo_portal.services.support.queue import queue_counts
from ispgo_portal.state.balance import LedgerLine, line_of
from ispgo_portal.state.handler import customer_handler
from ispgo_portal.state.landing import days_label
from ispgo_portal.state.licenses import SOON_DAYS, ExpiringRow
from ispgo_portal.state.session import SessionState
from ispgo_portal.state.tickets import TicketRow, ticket_row

RECENT_OPERATIONS = 5
RECENT_TICKETS = 3


class DashboardState(SessionState):
    loaded: bool = False

    # the account
    email: str = ""
    name: str = ""
    balance: str = ""
    balance_negative: bool = False
    credit_limit: str = ""
    credit_used: str = ""
    available: str = ""
    discount: str = ""

    # «first step» for a customer who has bought and paid nothing yet
    show_first_step: bool = False
    first_step_checked: bool = False

    # licenses
    licenses_active: int = 0
    expiring: list[ExpiringRow] = []

    # «Последние операции»
    recent_rows: list[LedgerLine] = []

    # tickets; for admins, the support queue
    tickets_active: int = 0
    recent_tickets: list[TicketRow] = []
    show_queue: bool = False  # display only; the figures come from an admin-checked service
    queue_active: int = 0
    queue_waiting: int = 0

    @customer_handler(page=True)
    def load_dashboard(self, caller: Caller):
        user_id = caller.user_id
        summary = account_summary(user_id=user_id)
        self.email, self.name = summary.email, summary.name
        self.balance = format_rub(summary.balance)
        self.balance_negative = summary.balance < 0
        self.credit_limit = format_rub(summary.credit_limit)
        self.credit_used = format_rub(summary.credit_used)
        self.available = format_rub(summary.available)
        self.discount = f"{summary.discount_percent}%"

        # Admins run the console; the customer's first step is not theirs to take.
        self.show_first_step = not caller.is_admin and not has_started(user_id=user_id)
        self.first_step_checked = True

        licenses = license_views.license_summary(user_id=user_id, within_days=SOON_DAYS)
        self.licenses_active = licenses.active
        self.expiring = [
            ExpiringRow(id=lid, tariff=name, expires=format_date(expires),
                        days_left=days_label(license_views.days_left(expires)))
            for lid, name, expires in licenses.expiring
        ]

        self.recent_rows = [line_of(r) for r in recent_ledger_rows(user_id=user_id, limit=RECENT_OPERATIONS)]

        self.tickets_active = tickets.count_active_tickets(user_id=user_id)
        self.recent_tickets = [ticket_row(s) for s in tickets.list_tickets(user_id=user_id, limit=RECENT_TICKETS)]
        self.show_queue = caller.is_admin
        if caller.is_admin:
            counts = queue_counts(admin_id=user_id)
            self.queue_active, self.queue_waiting = counts.active, counts.waiting
        self.loaded = True
