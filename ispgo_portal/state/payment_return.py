"""/payments/return: where YooKassa sends the customer back.

The page asks YooKassa itself (through `check_payment`, which settles the payment if the
webhook has not arrived yet) and keeps asking for a while: «ожидаем подтверждение» →
success with the new balance, or the cancellation reason.

One watcher per page and payment: a repeated (or crafted) `watch_payment` event while one
runs does nothing, and the watcher stops as soon as its page disconnects. YooKassa itself
is asked at most once per `payments.CHECK_INTERVAL` per payment, however many watch it.
"""

from __future__ import annotations

import asyncio
import logging
import sys

import reflex as rx

from ispgo_portal.money import format_rub
from ispgo_portal.services.billing.payments import PaymentOutcome, check_payment
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import require_user
from ispgo_portal.state.handler import error_toast, ok_toast
from ispgo_portal.state.session import SessionState

POLL_SECONDS = 2.0
MAX_POLLS = 60  # two minutes; after that reconciliation finishes the job in the background
FINAL = ("succeeded", "canceled", "failed")
# (page token, payment id) pairs with a running watcher in this process.
_watching: set[tuple[str, int]] = set()

log = logging.getLogger(__name__)


async def _page_connected(client_token: str) -> bool:
    """Whether the page that started the watcher still has its websocket (on any process)."""
    try:
        # The app module is loaded by now (it imports this one); read it from sys.modules.
        namespace = sys.modules["ispgo_portal.ispgo_portal"].app.event_namespace
        if namespace is None:
            return False
        return await namespace._token_manager.is_token_connected(client_token)
    except Exception:  # unknown means keep going; the poll count still ends it
        log.debug("could not tell whether %s is connected", client_token, exc_info=True)
        return True


def _check(token: str, payment_id: int) -> PaymentOutcome:
    """Blocking (database and YooKassa): run in a worker thread."""
    caller = require_user(token)
    return check_payment(user_id=caller.user_id, payment_id=payment_id)


def _payment_id(raw: object) -> int:
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else 0


class PaymentReturnState(SessionState):
    status: str = "checking"  # checking | pending | succeeded | canceled | failed | not_found | slow
    purpose: str = "topup"
    amount: str = ""
    balance: str = ""
    reason: str = ""
    license_link: str = ""
    note: str = ""  # e.g. a paid renewal held because an admin suspended the license

    def _show(self, outcome: PaymentOutcome) -> None:
        self.status = outcome.status if outcome.status in FINAL else "pending"
        self.purpose = outcome.purpose
        self.amount = format_rub(outcome.amount)
        self.balance = format_rub(outcome.balance)
        self.viewer_balance = self.balance
        self.reason = outcome.cancellation_reason or "Платёж отменён"
        self.note = outcome.note
        self.license_link = (f"/licenses?highlight={outcome.license_id}"
                                 if outcome.license_id and outcome.purpose != "topup" else "")

    # A background task (it polls for minutes without holding the state), so it is written by
    # hand: every blocking call goes through asyncio.to_thread, like the handler boundary does.
    @rx.event(background=True)
    async def watch_payment(self):
        async with self:
            self.status, self.license_link = "checking", ""
            token = self.session_token
            try:
                await asyncio.to_thread(require_user, token)
            except DomainError as exc:
                self.status = "not_found"
                yield error_toast(exc)
                return
            payment_id = _payment_id(self.router.url.query_parameters.get("payment", ""))
            client = self.router.session.client_token
            if (client, payment_id) in _watching:
                return  # this page is already watching this payment
            _watching.add((client, payment_id))
        try:
            for _poll in range(MAX_POLLS):
                if not await _page_connected(client):
                    return  # the page is gone: nobody to tell; reconciliation settles it
                try:
                    outcome = await asyncio.to_thread(_check, token, payment_id)
                except DomainError:
                    async with self:
                        self.status = "not_found"  # the page says so; no toast on top
                    return
                async with self:
                    self._show(outcome)
                    link = self.license_link
                if outcome.status in FINAL:
                    if outcome.status == "succeeded" and link:
                        yield [ok_toast("Оплата получена, лицензия оформлена"), rx.redirect(link)]
                    return
                await asyncio.sleep(POLL_SECONDS)
        finally:
            _watching.discard((client, payment_id))
        async with self:
            self.status = "slow"
