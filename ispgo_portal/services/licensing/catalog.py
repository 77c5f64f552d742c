"""Read-only views for public pages and first-time customers: the tariffs on sale and
whether a customer has started using the portal."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from ispgo_portal.db import session_scope
from ispgo_portal.models import LedgerEntry, License, Tariff


def list_active_tariffs() -> list[dict[str, Any]]:
    """Tariffs on sale in page order, as plain dicts (prices in kopecks, 0 limits = unlimited)."""
    with session_scope() as session:
        rows = session.exec(
            select(Tariff).where(col(Tariff.is_active).is_(True))
            .order_by(col(Tariff.sort_order), col(Tariff.price), col(Tariff.id))
        ).all()
        return [
            {
                "id": tariff.id,
                "name": tariff.name,
                "description": tariff.description,
                "features": [line.strip() for line in tariff.features.splitlines() if line.strip()],
                "price": tariff.price,
                "period_days": tariff.period_days,
                "max_servers": tariff.max_servers,
                "max_sites": tariff.max_sites,
            }
            for tariff in rows
        ]


def has_started(*, user_id: int) -> bool:
    """True once the customer has any license or any ledger row (money in or out); until then
    the dashboard explains the first step."""
    with session_scope() as session:
        for model in (License, LedgerEntry):
            if session.exec(select(model.id).where(model.user_id == user_id).limit(1)).first() is not None:
                return True
    return False
