"""Admin «Лицензии»: search, and one license's card with suspend / resume / extend and its servers.

Suspension and server deactivation are confirmed: the form is checked first, the action waits
in a backend-only var, and only the confirmation button carries it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from ispgo_portal.clock import format_date, format_datetime
from ispgo_portal.models import LICENSE_STATUSES
from ispgo_portal.services.guard import Caller
from ispgo_portal.services.licensing import admin as admin_licenses
from ispgo_portal.state.forms import as_id, clear_field_errors, form_text, step_page
from ispgo_portal.state.handler import admin_handler, ok_toast
from ispgo_portal.state.session import SessionState

STATUS_COLORS = {"active": "green", "expired": "gray", "suspended": "red"}
STATUS_OPTIONS = [[key, label] for key, label in admin_licenses.STATUS_FILTERS.items() if key]
# A form error's field -> the var that shows it under that field. Suspend and resume share the
# reason var (the card shows one of the two forms); the extend form has a reason of its own.
STATUS_FIELDS = {"reason": "err_reason"}
EXTEND_FIELDS = {"days": "err_days", "reason": "err_extend_reason"}


@dataclass
class LicenseView:
    id: int = 0
    key: str = ""
    status: str = ""
    status_color: str = "gray"
    status_reason: str = ""
    user_id: int = 0
    customer_email: str = ""
    customer_name: str = ""
    tariff: str = ""
    servers: str = ""
    expires: str = ""
    auto_renew: str = ""
    is_suspended: bool = False


@dataclass
class ServerView:
    id: int = 0
    hostname: str = ""
    fingerprint: str = ""
    activated: str = ""
    last_seen: str = ""


def _view(row: admin_licenses.LicenseRow) -> LicenseView:
    limit = "без ограничений" if row.max_servers == 0 else str(row.max_servers)
    return LicenseView(
        id=row.id, key=row.key, status=LICENSE_STATUSES.get(row.status, row.status),
        status_color=STATUS_COLORS.get(row.status, "gray"), status_reason=row.status_reason,
        user_id=row.user_id, customer_email=row.customer_email, customer_name=row.customer_name,
        tariff=row.tariff_name, servers=f"{row.servers_count} из {limit}", expires=format_date(row.expires_at),
        auto_renew="включено" if row.auto_renew else "выключено", is_suspended=row.status == "suspended",
    )


def _server_view(row: admin_licenses.ServerRow) -> ServerView:
    return ServerView(id=row.id, hostname=row.hostname or "—", fingerprint=row.fingerprint,
                      activated=format_datetime(row.activated_at), last_seen=format_datetime(row.last_seen_at))


class AdminLicensesState(SessionState):
    licenses: list[LicenseView] = []
    total: int = 0
    licenses_loaded: bool = False
    query: str = ""
    status: str = "all"
    page: int = 1
    pages: int = 1

    card_open: bool = False
    selected: LicenseView = LicenseView()
    servers: list[ServerView] = []
    err_reason: str = ""
    err_days: str = ""
    err_extend_reason: str = ""

    confirm_open: bool = False
    confirm_title: str = ""
    confirm_text: str = ""
    # What the confirmation button will do; backend-only so the browser cannot swap it.
    _pending: dict[str, Any] = {}

    # --- helpers ---
    def _reload(self) -> None:
        result = admin_licenses.search_licenses(query=self.query, page=self.page,
                                                status="" if self.status == "all" else self.status)
        self.licenses = [_view(row) for row in result.rows]
        self.page, self.pages, self.total = result.page, result.pages, result.total
        self.licenses_loaded = True

    def _refresh_card(self) -> None:
        if self.selected.id:
            self.selected = _view(admin_licenses.get_license(license_id=self.selected.id))
            self.servers = [_server_view(s) for s in admin_licenses.list_servers(license_id=self.selected.id)]

    def _ask(self, title: str, text: str, pending: dict[str, Any]) -> None:
        self._pending = pending
        self.confirm_title, self.confirm_text = title, text
        self.confirm_open = True

    # --- list ---
    @admin_handler(page=True)
    def load_licenses(self, caller: Caller):
        status = self.router.url.query_parameters.get("status", "") if self.router.url else ""
        if status in admin_licenses.STATUS_FILTERS and status:
            self.status = status
        self._reload()

    @admin_handler
    def search(self, caller: Caller, form: dict):
        self.query = form_text(form, "query").strip()[:100]
        status = form_text(form, "status")
        self.status = status if status in admin_licenses.STATUS_FILTERS and status else "all"
        self.page = 1
        self._reload()

    @admin_handler
    def change_page(self, caller: Caller, delta: int):
        self.page = step_page(self.page, delta)
        self._reload()

    # --- one license ---
    @admin_handler
    def open_license(self, caller: Caller, license_id: int):
        self.selected = _view(admin_licenses.get_license(license_id=as_id(license_id)))
        self.servers = [_server_view(s) for s in admin_licenses.list_servers(license_id=self.selected.id)]
        clear_field_errors(self, STATUS_FIELDS, EXTEND_FIELDS)
        self.card_open = True

    @admin_handler
    def set_card_open(self, caller: Caller, is_open: bool):
        self.card_open = bool(is_open) and self.card_open

    @admin_handler(fields=STATUS_FIELDS)
    def ask_suspend(self, caller: Caller, form: dict):
        reason = admin_licenses.validate_reason(form_text(form, "reason"))
        self._ask("Приостановить лицензию?",
                  f"Панель с ключом {self.selected.key} перестанет работать. Клиент увидит причину: «{reason}».",
                  {"action": "suspend", "license_id": self.selected.id, "reason": reason})

    @admin_handler
    def ask_deactivate_server(self, caller: Caller, activation_id: int):
        server = next((s for s in self.servers if s.id == as_id(activation_id)), None)
        if server is None:
            return rx.toast.error("Сервер не найден")
        self._ask("Деактивировать сервер?",
                  f"Панель на сервере {server.hostname} перестанет работать с этой лицензией, "
                  "пока её не активируют снова. Место в лимите серверов освободится.",
                  {"action": "deactivate_server", "activation_id": server.id})
        return None

    @admin_handler
    def set_confirm_open(self, caller: Caller, is_open: bool):
        self.confirm_open = bool(is_open) and self.confirm_open
        if not self.confirm_open:
            self._pending = {}

    @admin_handler
    def confirm_action(self, caller: Caller):
        pending, self._pending = self._pending, {}
        self.confirm_open = False
        if pending.get("action") == "suspend":
            admin_licenses.suspend_license(admin_id=caller.user_id, license_id=pending["license_id"],
                                           reason=pending["reason"])
            message = "Лицензия приостановлена"
        elif pending.get("action") == "deactivate_server":
            admin_licenses.deactivate_server(admin_id=caller.user_id, activation_id=pending["activation_id"],
                                             reason="Деактивировано администратором")
            message = "Сервер деактивирован"
        else:
            return None
        self._refresh_card()
        self._reload()
        return [ok_toast(message), rx.call_script("document.getElementById('license-suspend-form')?.reset()")]

    @admin_handler(fields=STATUS_FIELDS)
    def resume(self, caller: Caller, form: dict):
        status = admin_licenses.resume_license(admin_id=caller.user_id, license_id=self.selected.id,
                                               reason=form_text(form, "reason"))
        self._refresh_card()
        self._reload()
        return ok_toast("Лицензия снова работает" if status == "active"
                        else "Приостановка снята; срок лицензии истёк — её нужно продлить")

    @admin_handler(fields=EXTEND_FIELDS)
    def extend(self, caller: Caller, form: dict):
        expires = admin_licenses.extend_license(admin_id=caller.user_id, license_id=self.selected.id,
                                                days=form_text(form, "days"), reason=form_text(form, "reason"))
        self._refresh_card()
        self._reload()
        return [ok_toast(f"Лицензия продлена до {format_date(expires)}"),
                rx.call_script("document.getElementById('license-extend-form')?.reset()")]
