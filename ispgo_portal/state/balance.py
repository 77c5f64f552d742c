"""«Баланс»: funds, the YooKassa top-up form and the transaction history; and the
dashboard block with the last operations.

Starting a payment calls YooKassa over HTTP. In the embedded default YooKassa is the
emulator served by this very server, so that call must not block the event loop: the
top-up handler is async and runs the service in a worker thread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

import reflex as rx

from ispgo_portal.clock import format_datetime
from ispgo_portal.models import LEDGER_KINDS
from ispgo_portal.money import format_rub
from ispgo_portal.services.accounts.summary import account_summary
from ispgo_portal.services.billing.history import (
    HistoryFilter,
    LedgerRow,
    list_ledger_page,
    parse_history_filter,
)
from ispgo_portal.services.billing.payments import start_topup
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import Caller
from ispgo_portal.settings import get_settings
from ispgo_portal.state.forms import amount_field, form_text, step_page
from ispgo_portal.state.handler import customer_handler
from ispgo_portal.state.session import SessionState

ALL_KINDS = "all"
KIND_OPTIONS = {ALL_KINDS: "Все операции", **LEDGER_KINDS}
# Where a bad filter's message goes: a range the wrong way round belongs to «по».
HISTORY_FIELDS = {"kind": "date_from_error", "date_from": "date_from_error", "date_to": "date_to_error"}


@dataclass
class LedgerLine:
    """One history row, ready to show."""

    id: int = 0
    date: str = ""
    kind: str = ""
    amount: str = ""
    positive: bool = True
    balance_after: str = ""
    description: str = ""


def line_of(row: LedgerRow) -> LedgerLine:
    sign = "+" if row.amount > 0 else ""
    return LedgerLine(id=row.id, date=format_datetime(row.created_at), kind=row.kind_label,
                      amount=f"{sign}{format_rub(row.amount)}", positive=row.amount > 0,
                      balance_after=format_rub(row.balance_after), description=row.description)


def full_page_load(url: str) -> rx.event.EventSpec:
    """The payment page, even when served by this host (the embedded emulator), needs a
    real navigation: the client router knows only Reflex pages."""
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


class BalanceState(SessionState):
    loaded: bool = False
    balance: str = ""
    balance_negative: bool = False
    credit_limit: str = ""
    credit_used: str = ""
    available: str = ""

    topup_error: str = ""
    topup_busy: bool = False

    rows: list[LedgerLine] = []
    page: int = 1
    pages: int = 1
    total: int = 0
    kind: str = ALL_KINDS
    date_from: str = ""
    date_to: str = ""
    date_from_error: str = ""
    date_to_error: str = ""

    def _fill_funds(self, user_id: int) -> None:
        summary = account_summary(user_id=user_id)
        self.balance = format_rub(summary.balance)
        self.balance_negative = summary.balance < 0
        self.credit_limit = format_rub(summary.credit_limit)
        self.credit_used = format_rub(summary.credit_used)
        self.available = format_rub(summary.available)
        self.viewer_balance = self.balance

    def _filters(self) -> HistoryFilter:
        try:
            return parse_history_filter(kind=self.kind, date_from=self.date_from, date_to=self.date_to)
        except DomainError:
            return HistoryFilter()

    def _fill_history(self, user_id: int, page: int) -> None:
        result = list_ledger_page(user_id=user_id, page=page, filters=self._filters())
        self.rows = [line_of(r) for r in result.rows]
        self.page, self.pages, self.total = result.page, result.pages, result.total

    @customer_handler(page=True)
    def load_balance(self, caller: Caller):
        self.loaded = False
        self._fill_funds(caller.user_id)
        self.kind, self.date_from, self.date_to = ALL_KINDS, "", ""
        self.date_from_error = self.date_to_error = self.topup_error = ""
        self._fill_history(caller.user_id, 1)
        self.topup_busy = False
        self.loaded = True

    @customer_handler(fields={"amount": "topup_error"})
    def submit_topup(self, caller: Caller, form_data: dict):
        if self.topup_busy:
            return
        amount = amount_field(form_text(form_data, "amount"), max_kopecks=get_settings().max_topup_kopecks)
        self.topup_busy = True
        yield  # show the spinner while YooKassa answers
        try:
            started = start_topup(user_id=caller.user_id, amount=amount,
                                  save_method=form_text(form_data, "save_method") in ("on", "true"))
        except DomainError:
            self.topup_busy = False
            raise
        yield full_page_load(started.confirmation_url)

    def _apply_filter(self, user_id: int, kind: str, date_from: str, date_to: str) -> None:
        parse_history_filter(kind=kind, date_from=date_from, date_to=date_to)
        self.kind, self.date_from, self.date_to = kind, date_from, date_to
        self._fill_history(user_id, 1)

    @customer_handler(fields=HISTORY_FIELDS)
    def apply_history_filter(self, caller: Caller, form_data: dict):
        kind = form_text(form_data, "kind") or self.kind
        self._apply_filter(caller.user_id, kind if kind in KIND_OPTIONS else ALL_KINDS,
                           form_text(form_data, "date_from")[:20], form_text(form_data, "date_to")[:20])

    @customer_handler(fields=HISTORY_FIELDS)
    def set_history_kind(self, caller: Caller, kind: str):
        """The kind select applies at once; the dates stay as they are."""
        kind = kind if isinstance(kind, str) and kind in KIND_OPTIONS else ALL_KINDS
        self._apply_filter(caller.user_id, kind, self.date_from, self.date_to)

    @customer_handler(fields=HISTORY_FIELDS)
    def reset_history_filter(self, caller: Caller):
        self.kind, self.date_from, self.date_to = ALL_KINDS, "", ""
        self._fill_history(caller.user_id, 1)

    @customer_handler
    def change_page(self, caller: Caller, delta: int):
        self._fill_history(caller.user_id, step_page(self.page, delta))

    @customer_handler
    def export_history(self, caller: Caller):
        del caller  # the route below checks the session cookie again and streams the rows
        filters = self._filters()
        query = urlencode({
            "kind": filters.kind,
            "from": filters.date_from.isoformat() if filters.date_from else "",
            "to": filters.date_to.isoformat() if filters.date_to else "",
        })
        return rx.download(url=f"/api/ledger/export.csv?{query}", filename="ispgo-history.csv")
