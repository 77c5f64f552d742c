"""Admin «Тарифы»: the list, the create/edit dialog, archive and return to sale."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from ispgo_portal.money import format_rub
from ispgo_portal.services.guard import Caller
from ispgo_portal.services.licensing import tariffs_admin as admin_tariffs
from ispgo_portal.state.forms import as_id, clear_field_errors, rubles_input
from ispgo_portal.state.handler import admin_handler, ok_toast
from ispgo_portal.state.session import SessionState

UNLIMITED = "без ограничений"
EMPTY_FORM = {"name": "", "price": "", "period_days": "30", "max_servers": "1", "max_sites": "0",
              "description": "", "features": "", "sort_order": "0"}
# A form error's field -> the var that shows it under that field.
TARIFF_FIELDS = {name: f"err_{name}" for name in EMPTY_FORM}


@dataclass
class TariffView:
    id: int = 0
    name: str = ""
    price: str = ""
    period: str = ""
    servers: str = ""
    sites: str = ""
    description: str = ""
    features: str = ""
    sort_order: int = 0
    is_active: bool = True
    licenses: str = ""


def _limit(value: int) -> str:
    return UNLIMITED if value == 0 else str(value)


def _view(row: admin_tariffs.TariffRow) -> TariffView:
    return TariffView(
        id=row.id, name=row.name, price=format_rub(row.price), period=f"{row.period_days} дн.",
        servers=_limit(row.max_servers), sites=_limit(row.max_sites), description=row.description,
        features=row.features, sort_order=row.sort_order, is_active=row.is_active,
        licenses=f"{row.licenses_total} (активных {row.licenses_active})",
    )


def _form_values(row: admin_tariffs.TariffRow) -> dict[str, str]:
    return {"name": row.name, "price": rubles_input(row.price), "period_days": str(row.period_days),
            "max_servers": str(row.max_servers), "max_sites": str(row.max_sites),
            "description": row.description, "features": row.features, "sort_order": str(row.sort_order)}


class AdminTariffsState(SessionState):
    tariffs: list[TariffView] = []
    tariffs_loaded: bool = False
    editor_open: bool = False
    editor_tariff_id: int = 0  # 0 = a new tariff
    editor_values: dict[str, str] = dict(EMPTY_FORM)
    err_name: str = ""
    err_price: str = ""
    err_period_days: str = ""
    err_max_servers: str = ""
    err_max_sites: str = ""
    err_description: str = ""
    err_features: str = ""
    err_sort_order: str = ""

    def _reload(self) -> None:
        self.tariffs = [_view(row) for row in admin_tariffs.list_tariffs()]
        self.tariffs_loaded = True

    @admin_handler(page=True)
    def load_tariffs(self, caller: Caller):
        self.tariffs_loaded = False
        self._reload()

    @admin_handler
    def open_new_tariff(self, caller: Caller):
        clear_field_errors(self, TARIFF_FIELDS)
        self.editor_tariff_id = 0
        self.editor_values = dict(EMPTY_FORM)
        self.editor_open = True

    @admin_handler
    def open_edit_tariff(self, caller: Caller, tariff_id: int):
        wanted = as_id(tariff_id)
        row = next((r for r in admin_tariffs.list_tariffs() if r.id == wanted), None)
        if row is None:
            return rx.toast.error("Тариф не найден")
        clear_field_errors(self, TARIFF_FIELDS)
        self.editor_tariff_id = row.id
        self.editor_values = _form_values(row)
        self.editor_open = True
        return None

    @admin_handler
    def set_editor_open(self, caller: Caller, is_open: bool):
        self.editor_open = bool(is_open) and self.editor_open

    @admin_handler(fields=TARIFF_FIELDS)
    def save_tariff(self, caller: Caller, form: dict):
        data = form if isinstance(form, dict) else {}
        if self.editor_tariff_id:
            admin_tariffs.update_tariff(admin_id=caller.user_id, tariff_id=self.editor_tariff_id, form=data)
            message = "Тариф сохранён"
        else:
            admin_tariffs.create_tariff(admin_id=caller.user_id, form=data)
            message = "Тариф создан"
        self.editor_open = False
        self._reload()
        return ok_toast(message)

    def _set_archived(self, admin_id: int, tariff_id: Any, archived: bool) -> rx.event.EventSpec:
        admin_tariffs.set_tariff_archived(admin_id=admin_id, tariff_id=as_id(tariff_id), archived=archived)
        self._reload()
        return ok_toast("Тариф перенесён в архив: он больше не продаётся, лицензии продолжают работать"
                        if archived else "Тариф снова продаётся")

    @admin_handler
    def archive_tariff(self, caller: Caller, tariff_id: int):
        return self._set_archived(caller.user_id, tariff_id, True)

    @admin_handler
    def unarchive_tariff(self, caller: Caller, tariff_id: int):
        return self._set_archived(caller.user_id, tariff_id, False)
