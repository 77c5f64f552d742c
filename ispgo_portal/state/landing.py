"""The landing page's tariff list. Public: it shows only what is on sale to everyone."""

from __future__ import annotations

from ispgo_portal.money import format_rub
from ispgo_portal.services.licensing.catalog import list_active_tariffs
from ispgo_portal.state.handler import public_handler
from ispgo_portal.state.session import SessionState

UNLIMITED = "без ограничений"


def days_label(days: int) -> str:
    """«1 день», «3 дня», «30 дней» — Russian plural forms."""
    tail = days % 100
    if 11 <= tail <= 14:
        word = "дней"
    elif days % 10 == 1:
        word = "день"
    elif 2 <= days % 10 <= 4:
        word = "дня"
    else:
        word = "дней"
    return f"{days} {word}"


def limit_label(value: int) -> str:
    return UNLIMITED if value == 0 else str(value)


def tariff_card_data(tariff: dict) -> dict[str, str]:
    return {
        "id": str(tariff["id"]),
        "name": tariff["name"],
        "description": tariff["description"],
        "features": "\n".join(tariff["features"]),
        "price": format_rub(tariff["price"]),
        "period": f"за {days_label(tariff['period_days'])}",
        "max_servers": limit_label(tariff["max_servers"]),
        "max_sites": limit_label(tariff["max_sites"]),
    }


class LandingState(SessionState):
    tariffs: list[dict[str, str]] = []
    tariffs_loaded: bool = False

    @public_handler
    def load_landing(self):
        self.tariffs = [tariff_card_data(t) for t in list_active_tariffs()]
        self.tariffs_loaded = True
