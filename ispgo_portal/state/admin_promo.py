"""Admin «Промокоды»: the list with uses, the create/edit dialog, deactivate and switch back on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from ispgo_portal.clock import format_date
from ispgo_portal.services.billing import promo_admin as admin_promo
from ispgo_portal.services.forms import date_input_value
from ispgo_portal.services.guard import Caller
from ispgo_portal.services.licensing import tariffs_admin as admin_tariffs
from ispgo_portal.state.forms import as_id, clear_field_errors
from ispgo_portal.state.handler import admin_handler, ok_toast
from ispgo_portal.state.session import SessionState

EMPTY_FORM = {"code": "", "percent": "10", "valid_from": "", "valid_until": "", "max_uses": "0"}
# A form error's field -> the var that shows it under that field.
PROMO_FIELDS = {name: f"err_{name}" for name in (*EMPTY_FORM, "tariff_ids")}
STATUS_COLORS = {"Действует": "green", "Отключён": "gray", "Истёк": "orange", "Исчерпан": "orange",
                 "Ещё не действует": "blue"}


@dataclass
class PromoView:
    id: int = 0
    code: str = ""
    percent: str = ""
    window: str = ""
    uses: str = ""
    tariffs: str = ""
    status: str = ""
    status_color: str = "gray"
    is_active: bool = True


@dataclass
class TariffOption:
    id: int = 0
    name: str = ""


def _window(row: admin_promo.PromoRow) -> str:
    if row.valid_from and row.valid_until:
        return f"{format_date(row.valid_from)} — {format_date(row.valid_until)}"
    if row.valid_from:
        return f"с {format_date(row.valid_from)}"
    if row.valid_until:
        return f"по {format_date(row.valid_until)}"
    return "бессрочно"


def _view(row: admin_promo.PromoRow) -> PromoView:
    return PromoView(
        id=row.id, code=row.code, percent=f"−{row.percent}%", window=_window(row),
        uses=f"{row.uses_count} из {row.max_uses}" if row.max_uses else f"{row.uses_count} (без лимита)",
        tariffs=", ".join(row.tariff_names) if row.tariff_names else "все тарифы",
        status=row.status, status_color=STATUS_COLORS.get(row.status, "gray"), is_active=row.is_active,
    )


def _chosen_tariffs(form: dict[str, Any]) -> list[str]:
    """Checked boxes arrive as tariff_<id>: on."""
    return [key.removeprefix("tariff_") for key, value in form.items()
            if isinstance(key, str) and key.startswith("tariff_") and value]


class AdminPromoState(SessionState):
    promos: list[PromoView] = []
    promos_loaded: bool = False
    tariff_options: list[TariffOption] = []
    editor_open: bool = False
    editor_promo_id: int = 0  # 0 = a new code
    editor_values: dict[str, str] = dict(EMPTY_FORM)
    editor_tariff_ids: list[int] = []
    err_code: str = ""
    err_percent: str = ""
    err_valid_from: str = ""
    err_valid_until: str = ""
    err_max_uses: str = ""
    err_tariff_ids: str = ""

    def _reload(self) -> None:
        self.promos = [_view(row) for row in admin_promo.list_promos()]
        self.tariff_options = [TariffOption(id=t.id, name=t.name if t.is_active else f"{t.name} (архив)")
                               for t in admin_tariffs.list_tariffs()]
        self.promos_loaded = True

    def _open_editor(self, promo_id: int, values: dict[str, str], tariff_ids: list[int]) -> None:
        clear_field_errors(self, PROMO_FIELDS)
        self.editor_promo_id = promo_id
        self.editor_values = values
        self.editor_tariff_ids = tariff_ids
        self.editor_open = True

    @admin_handler(page=True)
    def load_promos(self, caller: Caller):
        self.promos_loaded = False
        self._reload()

    @admin_handler
    def open_new_promo(self, caller: Caller):
        self._open_editor(0, dict(EMPTY_FORM), [])

    @admin_handler
    def open_edit_promo(self, caller: Caller, promo_id: int):
        wanted = as_id(promo_id)
        row = next((r for r in admin_promo.list_promos() if r.id == wanted), None)
        if row is None:
            return rx.toast.error("Промокод не найден")
        self._open_editor(row.id, {
            "code": row.code, "percent": str(row.percent), "valid_from": date_input_value(row.valid_from),
            "valid_until": date_input_value(row.valid_until), "max_uses": str(row.max_uses),
        }, row.tariff_ids)
        return None

    @admin_handler
    def set_editor_open(self, caller: Caller, is_open: bool):
        self.editor_open = bool(is_open) and self.editor_open

    @admin_handler(fields=PROMO_FIELDS)
    def save_promo(self, caller: Caller, form: dict):
        data = dict(form) if isinstance(form, dict) else {}
        data["tariff_ids"] = _chosen_tariffs(data)
        if self.editor_promo_id:
            admin_promo.update_promo(admin_id=caller.user_id, promo_id=self.editor_promo_id, form=data)
            message = "Промокод сохранён"
        else:
            admin_promo.create_promo(admin_id=caller.user_id, form=data)
            message = "Промокод создан"
        self.editor_open = False
        self._reload()
        return ok_toast(message)

    def _set_active(self, admin_id: int, promo_id: Any, active: bool) -> rx.event.EventSpec:
        admin_promo.set_promo_active(admin_id=admin_id, promo_id=as_id(promo_id), active=active)
        self._reload()
        return ok_toast("Промокод снова действует" if active else "Промокод отключён")

    @admin_handler
    def deactivate_promo(self, caller: Caller, promo_id: int):
        return self._set_active(caller.user_id, promo_id, False)

    @admin_handler
    def activate_promo(self, caller: Caller, promo_id: int):
        return self._set_active(caller.user_id, promo_id, True)
