"""«Баланс»: funds, the YooKassa top-up form and the transaction history; and the
dashboard block with the last operations.

Starting a payment calls YooKassa over HTTP. In the embedded default YooKassa is the
emulator served by this very server, so that call must not block the event loop: the
top-up handler is async and runs the service in a worker thread.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from urllib.parse import urlencode

import reflex as rx

from ispgo_portal.clock import format_datetime
from ispgo_portal.models import LEDGER_KINDS
from ispgo_portal.money import AmountError, format_rub, parse_rubles
from ispgo_portal.services.accounts.summary import account_summary
from ispgo_portal.services.billing.history import (
    HistoryFilter,
    LedgerRow,
    list_ledger_page,
    parse_history_filter,
    recent_ledger_rows,
)
from ispgo_portal.services.billing.payments import start_topup
from ispgo_portal.services.errors import DomainError
from ispgo_portal.settings import get_settings
from ispgo_portal.state.forms import form_text
from ispgo_portal.state.session import SessionState, error_toast

ALL_KINDS = "all"
KIND_OPTIONS = {ALL_KINDS: "Все операции", **LEDGER_KINDS}


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
    bal_loaded: bool = False
    bal_balance: str = ""
    bal_negative: bool = False
    bal_credit_limit: str = ""
    bal_credit_used: str = ""
    bal_available: str = ""

    topup_error: str = ""
    topup_busy: bool = False

    hist_rows: list[LedgerLine] = []
    hist_page: int = 1
    hist_pages: int = 1
    hist_total: int = 0
    hist_kind: str = ALL_KINDS
    hist_from: str = ""
    hist_to: str = ""
    hist_error_from: str = ""
    hist_error_to: str = ""
    hist_loading: bool = False

    def _fill_funds(self, user_id: int) -> None:
        summary = account_summary(user_id=user_id)
        self.bal_balance = format_rub(summary.balance)
        self.bal_negative = summary.balance < 0
        self.bal_credit_limit = format_rub(summary.credit_limit)
        self.bal_credit_used = format_rub(summary.credit_used)
        self.bal_available = format_rub(summary.available)
        self.viewer_balance = self.bal_balance

    def _filters(self) -> HistoryFilter:
        try:
            return parse_history_filter(kind=self.hist_kind, date_from=self.hist_from, date_to=self.hist_to)
        except DomainError:
            return HistoryFilter()

    def _fill_history(self, user_id: int, page: int) -> None:
        result = list_ledger_page(user_id=user_id, page=page, filters=self._filters())
        self.hist_rows = [line_of(r) for r in result.rows]
        self.hist_page, self.hist_pages, self.hist_total = result.page, result.pages, result.total

    @rx.event
    def load_balance(self):
        try:
            caller = self._caller()
            self._fill_funds(caller.user_id)
            self.hist_kind, self.hist_from, self.hist_to = ALL_KINDS, "", ""
            self.hist_error_from = self.hist_error_to = self.topup_error = ""
            self._fill_history(caller.user_id, 1)
        except DomainError as exc:
            self.bal_loaded = False
            return error_toast(exc)
        self.topup_busy = False
        self.bal_loaded = True
        return None

    @rx.event
    async def submit_topup(self, form_data: dict):
        if self.topup_busy:
            return
        try:
            caller = self._caller()
        except DomainError as exc:
            yield error_toast(exc)
            return
        try:
            amount = parse_rubles(form_text(form_data, "amount"), max_kopecks=get_settings().max_topup_kopecks)
        except AmountError as exc:
            self.topup_error = str(exc)
            return
        self.topup_error = ""
        self.topup_busy = True
        yield  # show the spinner while YooKassa answers
        try:
            started = await asyncio.to_thread(start_topup, user_id=caller.user_id, amount=amount,
                                              save_method=form_text(form_data, "save_method") in ("on", "true"))
        except DomainError as exc:
            self.topup_busy = False
            if exc.field == "amount":
                self.topup_error = exc.message
                return
            yield error_toast(exc)
            return
        yield full_page_load(started.confirmation_url)

    def _apply_filter(self, user_id: int, kind: str, date_from: str, date_to: str) -> None:
        self.hist_error_from = self.hist_error_to = ""
        try:
            parse_history_filter(kind=kind, date_from=date_from, date_to=date_to)
        except DomainError as exc:
            if exc.field == "date_to":
                self.hist_error_to = exc.message
            else:
                self.hist_error_from = exc.message
            return
        self.hist_kind, self.hist_from, self.hist_to = kind, date_from, date_to
        self._fill_history(user_id, 1)

    @rx.event
    def apply_history_filter(self, form_data: dict):
        try:
            caller = self._caller()
        except DomainError as exc:
            return error_toast(exc)
        kind = form_text(form_data, "kind") or self.hist_kind
        self._apply_filter(caller.user_id, kind if kind in KIND_OPTIONS else ALL_KINDS,
                           form_text(form_data, "date_from")[:20], form_text(form_data, "date_to")[:20])
        return None

    @rx.event
    def set_history_kind(self, kind: str):
        """The kind select applies at once; the dates stay as they are."""
        try:
            caller = self._caller()
        except DomainError as exc:
            return error_toast(exc)
        kind = kind if isinstance(kind, str) and kind in KIND_OPTIONS else ALL_KINDS
        self._apply_filter(caller.user_id, kind, self.hist_from, self.hist_to)
        return None

    @rx.event
    def reset_history_filter(self):
        try:
            caller = self._caller()
        except DomainError as exc:
            return error_toast(exc)
        self.hist_kind, self.hist_from, self.hist_to = ALL_KINDS, "", ""
        self.hist_error_from = self.hist_error_to = ""
        self._fill_history(caller.user_id, 1)
        return None

    @rx.event
    def go_to_page(self, page: int):
        try:
            caller = self._caller()
            number = int(page)
        except DomainError as exc:
            return error_toast(exc)
        except (TypeError, ValueError):
            return None
        self._fill_history(caller.user_id, number)
        return None

    @rx.event
    def export_history(self):
        try:
            self._caller()
        except DomainError as exc:
            return error_toast(exc)
        filters = self._filters()
        query = urlencode({
            "kind": filters.kind,
            "from": filters.date_from.isoformat() if filters.date_from else "",
            "to": filters.date_to.isoformat() if filters.date_to else "",
        })
        # The route reads the session cookie itself and streams the rows.
        return rx.download(url=f"/api/ledger/export.csv?{query}", filename="ispgo-history.csv")


class RecentOperationsState(SessionState):
    """«Последние операции» on the dashboard."""

    recent_rows: list[LedgerLine] = []
    recent_loaded: bool = False

    @rx.event
    def load_recent_operations(self):
        try:
            caller = self._caller()
        except DomainError:
            self.recent_loaded = False
            return None
        self.recent_rows = [line_of(r) for r in recent_ledger_rows(user_id=caller.user_id, limit=5)]
        self.recent_loaded = True
        return None
