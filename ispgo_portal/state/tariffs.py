"""«Тарифы»: the tariffs on sale and the purchase dialog (method, promo code, price breakdown)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import reflex as rx

from ispgo_portal.limits import PROMO_CODE_MAX
from ispgo_portal.money import format_rub
from ispgo_portal.services.accounts.summary import account_summary
from ispgo_portal.services.billing import pricing
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import Caller
from ispgo_portal.services.licensing import licenses
from ispgo_portal.services.licensing.catalog import list_active_tariffs
from ispgo_portal.state.forms import as_id
from ispgo_portal.state.handler import customer_handler, error_toast, ok_toast, public_handler
from ispgo_portal.state.landing import tariff_card_data
from ispgo_portal.state.session import SessionState

METHODS = ("balance", "yookassa")
MAX_PROMO_LENGTH = PROMO_CODE_MAX


def go_to(url: str) -> rx.event.EventSpec:
    """Our own page via the router; a payment page (even one served by this host, like the
    embedded emulator) with a full page load, because the router only knows Reflex pages."""
    if url.startswith("/"):
        return rx.redirect(url)
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


@dataclass
class Breakdown:
    """The price breakdown shown in the buy and renew dialogs (display strings)."""

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


class TariffsState(SessionState):
    tariffs: list[dict[str, str]] = []
    tariffs_loaded: bool = False

    buy_open: bool = False
    buy_tariff_name: str = ""
    buy_period: str = ""
    buy_method: str = "balance"
    buy_promo: str = ""
    buy_busy: bool = False
    promo_error: str = ""
    price: Breakdown = Breakdown()
    funds_available: str = ""
    shortfall: str = ""  # a message with the missing sum when the balance is not enough

    _buy_tariff_id: int = 0
    _final_price: int = 0
    _available: int = 0

    @customer_handler
    def load_tariffs(self, caller: Caller):
        del caller  # the catalogue is the same for everyone; a session is still required
        self.tariffs = [tariff_card_data(t) for t in list_active_tariffs()]
        self.tariffs_loaded = True

    def _show_quote(self, quote: pricing.Quote) -> None:
        self.price = breakdown_of(quote)
        self._final_price = quote.final_price
        self._update_shortfall()

    def _update_shortfall(self) -> None:
        self.shortfall = (shortfall_message(self._final_price, self._available)
                          if self.buy_method == "balance" and self.price.ready else "")

    def _requote(self, user_id: int) -> None:
        """Price with the promo code if it is usable; otherwise say why and price without it."""
        self.promo_error = ""
        try:
            quote = licenses.quote_purchase(user_id=user_id, tariff_id=self._buy_tariff_id,
                                            promo_code=self.buy_promo)
        except DomainError as exc:
            if exc.field != "promo":
                raise
            self.promo_error = exc.message
            quote = licenses.quote_purchase(user_id=user_id, tariff_id=self._buy_tariff_id)
        self._show_quote(quote)

    def _buy_refused(self, exc: DomainError, caller: Caller | None):
        self.buy_open = False
        return error_toast(exc)

    @customer_handler(on_error=_buy_refused)
    def open_buy(self, caller: Caller, tariff_id: str):
        tariff = next((t for t in list_active_tariffs() if t["id"] == as_id(tariff_id)), None)
        if tariff is None:
            raise DomainError("tariff_not_found", "Тариф не найден или больше не продаётся")
        self._buy_tariff_id = tariff["id"]
        self.buy_tariff_name = tariff["name"]
        self.buy_period = tariff_card_data(tariff)["period"]
        self.buy_method, self.buy_promo, self.price, self.buy_busy = "balance", "", Breakdown(), False
        self._available = account_summary(user_id=caller.user_id).available
        self.funds_available = format_rub(self._available)
        self._requote(caller.user_id)
        self.buy_open = True

    @public_handler(inline=True)
    def set_buy_open(self, is_open: bool):
        self.buy_open = bool(is_open) and self._buy_tariff_id > 0

    @public_handler(inline=True)
    def set_buy_method(self, method: str):
        self.buy_method = method if method in METHODS else "balance"
        self._update_shortfall()

    @customer_handler
    def set_buy_promo(self, caller: Caller, value: str):
        """Checked as the customer types (the input is debounced)."""
        self.buy_promo = str(value or "")[:MAX_PROMO_LENGTH]
        if self._buy_tariff_id:
            self._requote(caller.user_id)

    def _buy_failed(self, exc: DomainError, caller: Caller | None):
        self.buy_busy = False
        if exc.code == "insufficient_funds" and caller is not None:
            self._available = account_summary(user_id=caller.user_id).available
            self.funds_available = format_rub(self._available)
            self.shortfall = exc.message
            return None
        if exc.field == "promo":
            self.promo_error = exc.message
            return None
        return error_toast(exc)

    @customer_handler(on_error=_buy_failed)
    def confirm_buy(self, caller: Caller):
        if self.buy_busy or not self._buy_tariff_id:
            return
        self.buy_busy = True
        yield  # show the spinner while the purchase runs
        if self.buy_method == "yookassa":
            url = licenses.buy_by_yookassa(user_id=caller.user_id, tariff_id=self._buy_tariff_id,
                                           promo_code=self.buy_promo)
            self.buy_busy = False
            yield go_to(url)
            return
        license_id = licenses.buy_from_balance(user_id=caller.user_id, tariff_id=self._buy_tariff_id,
                                               promo_code=self.buy_promo)
        self.buy_busy = False
        self.buy_open = False
        self._buy_tariff_id = 0
        yield [rx.redirect(f"/licenses?highlight={license_id}"),
               ok_toast(f"Лицензия «{self.buy_tariff_name}» оформлена")]
