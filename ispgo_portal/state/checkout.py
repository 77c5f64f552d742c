"""The checkout of the buy and renew dialogs: payment method, the promo code checked as typed,
the price breakdown, the funds available, the missing sum and the confirm button's spinner.

«Тарифы» (buy a tariff) and «Мои лицензии» (renew a license) mix `CheckoutState` in, so the
shared dialog (components/checkout.py) reads the same vars on both pages. A page opens the
dialog with `_start_checkout` and says only what differs: how the thing is priced (`_quote`)
and what paying does (`_pay_by_card`, `_pay_from_balance`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import reflex as rx

from ispgo_portal.limits import PROMO_CODE_MAX
from ispgo_portal.money import format_rub
from ispgo_portal.services.accounts.summary import account_summary
from ispgo_portal.services.billing import pricing
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import Caller
from ispgo_portal.state.handler import customer_handler, error_toast, public_handler

METHODS = ("balance", "yookassa")
# A checkout error's field -> the var that shows it under that field.
CHECKOUT_FIELDS = {"promo": "checkout_promo_error"}


def go_to(url: str) -> rx.event.EventSpec:
    """Our own page via the router; a payment page (even one served by this host, like the
    embedded emulator) with a full page load, because the router only knows Reflex pages."""
    if url.startswith("/"):
        return rx.redirect(url)
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


@dataclass
class Breakdown:
    """The price breakdown shown in the checkout dialog (display strings)."""

    ready: bool = False
    base: str = ""
    discount: str = ""
    source: str = ""  # where the discount comes from
    final: str = ""
    has_discount: bool = False
    promo_applied: bool = False


def breakdown_of(quote: pricing.Quote) -> Breakdown:
    return Breakdown(ready=True, base=format_rub(quote.base_price),
                     discount=f"−{format_rub(quote.discount_amount)} (−{quote.discount_percent}%)",
                     source=quote.explanation, final=format_rub(quote.final_price),
                     has_discount=quote.discount_percent > 0, promo_applied=quote.discount_source == "promo")


def shortfall_message(price: int, available: int) -> str:
    missing = price - available
    return f"Недостаточно средств: не хватает {format_rub(missing)}" if missing > 0 else ""


def checkout_refused(state: Any, exc: DomainError, caller: Caller | None) -> rx.event.EventSpec:
    """`on_error` for a page's handler that opens the dialog: nothing to pay for, say why."""
    del caller
    state._checkout_id = 0
    state.checkout_open = False
    return error_toast(exc)


def _checkout_failed(state: Any, exc: DomainError, caller: Caller | None) -> rx.event.EventSpec | None:
    """Paying failed: stop the spinner; a short balance updates the funds and names the missing
    sum, anything else is a toast (a promo code that stopped working goes under its field)."""
    state.checkout_busy = False
    if exc.code == "insufficient_funds" and caller is not None:
        state._refresh_funds(caller.user_id)
        state.checkout_shortfall = exc.message
        return None
    return error_toast(exc)


class CheckoutState(rx.State, mixin=True):
    """Mixed in next to SessionState (`class TariffsState(CheckoutState, SessionState)`): Reflex
    takes a class whose only state base is a mixin for a mixin too, and would not register it."""

    checkout_open: bool = False
    checkout_method: str = "balance"
    checkout_promo: str = ""
    checkout_promo_error: str = ""
    checkout_price: Breakdown = Breakdown()
    checkout_funds: str = ""  # balance + credit limit, shown for paying from the balance
    checkout_shortfall: str = ""  # the missing sum when the balance is not enough
    checkout_busy: bool = False

    _checkout_id: int = 0  # the tariff being bought or the license being renewed; 0: none
    _final_price: int = 0
    _available: int = 0

    # --- what a page says ---
    def _quote(self, user_id: int, promo_code: str) -> pricing.Quote:
        """The price of `_checkout_id` for this customer ("" promo code: without one)."""
        raise NotImplementedError

    def _pay_by_card(self, user_id: int) -> str:
        """Start a YooKassa payment for `_checkout_id`; the payment page's URL."""
        raise NotImplementedError

    def _pay_from_balance(self, user_id: int) -> Any:
        """Pay for `_checkout_id` from the balance; what to send once it is done."""
        raise NotImplementedError

    # --- shared ---
    def _start_checkout(self, user_id: int, checkout_id: int) -> None:
        """Open the dialog for `checkout_id` with a fresh form, the funds and the price."""
        self._checkout_id = checkout_id
        self.checkout_method, self.checkout_promo, self.checkout_busy = "balance", "", False
        self.checkout_price = Breakdown()
        self._refresh_funds(user_id)
        self._requote(user_id)
        self.checkout_open = True

    def _refresh_funds(self, user_id: int) -> None:
        self._available = account_summary(user_id=user_id).available
        self.checkout_funds = format_rub(self._available)

    def _requote(self, user_id: int) -> None:
        """Price with the promo code if it is usable; otherwise say why and price without it."""
        self.checkout_promo_error = ""
        try:
            quote = self._quote(user_id, self.checkout_promo)
        except DomainError as exc:
            if exc.field != "promo":
                raise
            self.checkout_promo_error = exc.message
            quote = self._quote(user_id, "")
        self.checkout_price = breakdown_of(quote)
        self._final_price = quote.final_price
        self._update_shortfall()

    def _update_shortfall(self) -> None:
        self.checkout_shortfall = (shortfall_message(self._final_price, self._available)
                                   if self.checkout_method == "balance" and self.checkout_price.ready else "")

    @public_handler(inline=True)
    def set_checkout_open(self, is_open: bool):
        self.checkout_open = is_open is True and self._checkout_id > 0

    @public_handler(inline=True)
    def set_checkout_method(self, method: str):
        self.checkout_method = method if method in METHODS else "balance"
        self._update_shortfall()

    @customer_handler
    def set_checkout_promo(self, caller: Caller, value: str):
        """Checked as the customer types (the input is debounced)."""
        self.checkout_promo = str(value or "")[:PROMO_CODE_MAX]
        if self._checkout_id:
            self._requote(caller.user_id)

    @customer_handler(on_error=_checkout_failed, fields=CHECKOUT_FIELDS)
    def confirm_checkout(self, caller: Caller):
        if self.checkout_busy or not self._checkout_id:
            return
        self.checkout_busy = True
        yield  # show the spinner while the payment runs
        if self.checkout_method == "yookassa":
            url = self._pay_by_card(caller.user_id)
            self.checkout_busy = False
            yield go_to(url)
            return
        done = self._pay_from_balance(caller.user_id)
        self.checkout_busy = False
        self.checkout_open = False
        self._checkout_id = 0
        yield done
