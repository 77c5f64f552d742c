"""«Мои лицензии»: the customer's licenses, auto-renewal, servers, renewal and deletion; and the
dashboard block with active and soon-expiring licenses."""

from __future__ import annotations

from dataclasses import dataclass, field

import reflex as rx

from ispgo_portal.clock import format_date, format_datetime
from ispgo_portal.models import LICENSE_STATUSES
from ispgo_portal.services.billing import pricing
from ispgo_portal.services.guard import Caller
from ispgo_portal.services.licensing import licenses
from ispgo_portal.services.licensing import views as license_views
from ispgo_portal.state.checkout import CheckoutState, checkout_refused
from ispgo_portal.state.forms import as_id
from ispgo_portal.state.handler import customer_handler, ok_toast
from ispgo_portal.state.landing import days_label, limit_label
from ispgo_portal.state.session import SessionState

STATUS_COLORS = {"active": "green", "expired": "orange", "suspended": "red"}
SOON_DAYS = 7


@dataclass
class ServerRow:
    id: int = 0
    hostname: str = ""
    fingerprint: str = ""
    last_seen: str = ""


@dataclass
class LicenseCard:
    id: int = 0
    tariff: str = ""
    key: str = ""
    status: str = ""
    status_label: str = ""
    status_color: str = "gray"
    status_reason: str = ""
    expires: str = ""
    days_left: str = ""
    expiring_soon: bool = False
    auto_renew: bool = False
    servers_used: str = ""
    max_sites: str = ""
    servers: list[ServerRow] = field(default_factory=list)
    can_delete: bool = False
    highlighted: bool = False


def _days_left_text(view: license_views.LicenseView) -> str:
    if view.status == "expired" or view.days_left == 0:
        return "срок истёк"
    return f"осталось {days_label(view.days_left)}"


def card_of(view: license_views.LicenseView, highlight_id: int) -> LicenseCard:
    limit = "без ограничений" if view.max_servers == 0 else str(view.max_servers)
    return LicenseCard(
        id=view.id, tariff=view.tariff_name, key=view.key, status=view.status,
        status_label=LICENSE_STATUSES.get(view.status, view.status),
        status_color=STATUS_COLORS.get(view.status, "gray"), status_reason=view.status_reason,
        expires=format_date(view.expires_at), days_left=_days_left_text(view),
        expiring_soon=view.status == "active" and view.days_left <= SOON_DAYS,
        auto_renew=view.auto_renew, servers_used=f"{len(view.servers)} из {limit}",
        max_sites=limit_label(view.max_sites),
        servers=[ServerRow(id=s.id, hostname=s.hostname or "—", fingerprint=s.fingerprint,
                           last_seen=format_datetime(s.last_seen_at)) for s in view.servers],
        can_delete=view.can_delete, highlighted=view.id == highlight_id,
    )


class LicensesState(CheckoutState, SessionState):
    """The list and the renewal dialog (the checkout in state/checkout.py)."""

    licenses: list[LicenseCard] = []
    licenses_loaded: bool = False

    renew_title: str = ""

    def _reload(self, user_id: int, highlight_id: int = 0) -> None:
        self.licenses = [card_of(view, highlight_id) for view in licenses.list_licenses(user_id=user_id)]
        self.licenses_loaded = True

    @customer_handler(page=True)
    def load_licenses(self, caller: Caller):
        params = self.router.url.query_parameters if self.router.url else {}
        highlight_id = as_id(params.get("highlight", ""))
        self._reload(caller.user_id, highlight_id)
        if highlight_id and any(c.id == highlight_id for c in self.licenses):
            return rx.call_script(
                f"setTimeout(() => document.getElementById('license-{highlight_id}')"
                "?.scrollIntoView({behavior: 'smooth', block: 'center'}), 300)")
        return None

    @customer_handler
    def set_auto_renew(self, caller: Caller, license_id: str, enabled: bool):
        licenses.set_auto_renew(user_id=caller.user_id, license_id=as_id(license_id), enabled=enabled is True)
        self._reload(caller.user_id)
        return ok_toast("Автопродление включено" if enabled is True else "Автопродление выключено")

    @customer_handler
    def delete_license(self, caller: Caller, license_id: str):
        licenses.delete_license(user_id=caller.user_id, license_id=as_id(license_id))
        self._reload(caller.user_id)
        return ok_toast("Лицензия удалена")

    @customer_handler
    def deactivate_server(self, caller: Caller, license_id: str, activation_id: str):
        licenses.deactivate_server(user_id=caller.user_id, license_id=as_id(license_id),
                                   activation_id=as_id(activation_id))
        self._reload(caller.user_id)
        return ok_toast("Сервер отключён: место освободилось")

    @customer_handler(on_error=checkout_refused)
    def open_renew(self, caller: Caller, license_id: str):
        card = next((c for c in self.licenses if c.id == as_id(license_id)), None)
        self.renew_title = f"«{card.tariff}», {card.key}" if card else ""
        self._start_checkout(caller.user_id, as_id(license_id))

    # --- the checkout's renew side ---
    def _quote(self, user_id: int, promo_code: str) -> pricing.Quote:
        return licenses.quote_renewal(user_id=user_id, license_id=self._checkout_id, promo_code=promo_code)

    def _pay_by_card(self, user_id: int) -> str:
        return licenses.renew_by_yookassa(user_id=user_id, license_id=self._checkout_id,
                                          promo_code=self.checkout_promo)

    def _pay_from_balance(self, user_id: int) -> rx.event.EventSpec:
        license_id = self._checkout_id
        expires = licenses.renew_from_balance(user_id=user_id, license_id=license_id,
                                              promo_code=self.checkout_promo)
        self._reload(user_id, license_id)
        return ok_toast(f"Лицензия продлена до {format_date(expires)}")


@dataclass
class ExpiringRow:
    id: int = 0
    tariff: str = ""
    expires: str = ""
    days_left: str = ""
