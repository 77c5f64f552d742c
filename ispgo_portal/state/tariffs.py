"""«Тарифы»: the tariffs on sale and the purchase dialog (the checkout in state/checkout.py)."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.services.billing import pricing
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import Caller
from ispgo_portal.services.licensing import licenses
from ispgo_portal.services.licensing.catalog import list_active_tariffs
from ispgo_portal.state.checkout import CheckoutState, checkout_refused
from ispgo_portal.state.forms import as_id
from ispgo_portal.state.handler import customer_handler, ok_toast
from ispgo_portal.state.landing import tariff_card_data
from ispgo_portal.state.session import SessionState


class TariffsState(CheckoutState, SessionState):
    tariffs: list[dict[str, str]] = []
    tariffs_loaded: bool = False

    buy_tariff_name: str = ""
    buy_period: str = ""

    @customer_handler(page=True)
    def load_tariffs(self, caller: Caller):
        del caller  # the catalogue is the same for everyone; a session is still required
        self.tariffs = [tariff_card_data(t) for t in list_active_tariffs()]
        self.tariffs_loaded = True

    @customer_handler(on_error=checkout_refused)
    def open_buy(self, caller: Caller, tariff_id: str):
        tariff = next((t for t in list_active_tariffs() if t["id"] == as_id(tariff_id)), None)
        if tariff is None:
            raise DomainError("tariff_not_found", "Тариф не найден или больше не продаётся")
        self.buy_tariff_name = tariff["name"]
        self.buy_period = tariff_card_data(tariff)["period"]
        self._start_checkout(caller.user_id, tariff["id"])

    # --- the checkout's buy side ---
    def _quote(self, user_id: int, promo_code: str) -> pricing.Quote:
        return licenses.quote_purchase(user_id=user_id, tariff_id=self._checkout_id, promo_code=promo_code)

    def _pay_by_card(self, user_id: int) -> str:
        return licenses.buy_by_yookassa(user_id=user_id, tariff_id=self._checkout_id,
                                        promo_code=self.checkout_promo)

    def _pay_from_balance(self, user_id: int) -> list[rx.event.EventSpec]:
        license_id = licenses.buy_from_balance(user_id=user_id, tariff_id=self._checkout_id,
                                               promo_code=self.checkout_promo)
        return [rx.redirect(f"/licenses?highlight={license_id}"),
                ok_toast(f"Лицензия «{self.buy_tariff_name}» оформлена")]
