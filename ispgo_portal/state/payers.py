"""«Плательщики»: the customer's payer profiles (person, ООО, ИП) and the default one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx

from ispgo_portal.services.billing import payers
from ispgo_portal.services.errors import DomainError
from ispgo_portal.state.forms import as_id
from ispgo_portal.state.session import SessionState, error_toast, ok_toast

FORM_FIELDS = ("kind", "name", "inn", "kpp", "ogrn", "legal_address", "bank_name", "bik", "account",
               "corr_account", "email")


@dataclass
class PayerRow:
    id: int = 0
    kind_label: str = ""
    name: str = ""
    details: str = ""
    bank: str = ""
    email: str = ""
    is_default: bool = False
    is_company: bool = False


def row_of(view: payers.PayerView) -> PayerRow:
    details = ", ".join(x for x in (
        f"ИНН {view.inn}" if view.inn else "", f"КПП {view.kpp}" if view.kpp else "",
        f"{'ОГРНИП' if view.kind == 'entrepreneur' else 'ОГРН'} {view.ogrn}" if view.ogrn else "",
        view.legal_address) if x)
    bank = f"{view.bank_name}, БИК {view.bik}, р/с {view.account}, к/с {view.corr_account}" if view.bik else ""
    return PayerRow(id=view.id, kind_label=view.kind_label, name=view.name, details=details, bank=bank,
                    email=view.email, is_default=view.is_default, is_company=view.is_company)


class PayersState(SessionState):
    payer_rows: list[PayerRow] = []
    payers_loaded: bool = False
    payer_form_open: bool = False
    payer_kind: str = "company"
    payer_error: str = ""
    payer_error_field: str = ""
    payer_busy: bool = False

    async def _reload(self, user_id: int) -> None:
        views = await asyncio.to_thread(payers.list_payers, user_id=user_id)
        self.payer_rows = [row_of(v) for v in views]
        self.payers_loaded = True

    @rx.event
    async def load_payers(self):
        try:
            caller = await asyncio.to_thread(self._caller)
            await self._reload(caller.user_id)
        except DomainError as exc:
            return error_toast(exc)
        return None

    @rx.event
    def open_payer_form(self):
        self.payer_form_open, self.payer_error, self.payer_error_field = True, "", ""

    @rx.event
    def set_payer_form_open(self, value: bool):
        self.payer_form_open = value is True

    @rx.event
    def pick_payer_kind(self, kind: str | list[str]):
        self.payer_kind = kind if kind in ("person", "company", "entrepreneur") else "company"
        self.payer_error, self.payer_error_field = "", ""

    @rx.event
    async def create_payer(self, form: dict):
        data = {name: form.get(name, "") for name in FORM_FIELDS} if isinstance(form, dict) else {}
        data["kind"] = self.payer_kind
        self.payer_busy, self.payer_error, self.payer_error_field = True, "", ""
        yield
        try:
            caller = await asyncio.to_thread(self._caller)
            await asyncio.to_thread(payers.create_payer, user_id=caller.user_id, form=data)
            await self._reload(caller.user_id)
            self.payer_form_open = False
            yield ok_toast("Плательщик добавлен")
        except DomainError as exc:
            self.payer_error, self.payer_error_field = exc.message, exc.field
        finally:
            self.payer_busy = False

    @rx.event
    async def make_default(self, payer_id: str):
        try:
            caller = await asyncio.to_thread(self._caller)
            await asyncio.to_thread(payers.set_default_payer, user_id=caller.user_id, payer_id=as_id(payer_id))
            await self._reload(caller.user_id)
        except DomainError as exc:
            return error_toast(exc)
        return ok_toast("Плательщик по умолчанию изменён")

    @rx.event
    async def delete_payer(self, payer_id: str):
        try:
            caller = await asyncio.to_thread(self._caller)
            await asyncio.to_thread(payers.delete_payer, user_id=caller.user_id, payer_id=as_id(payer_id))
            await self._reload(caller.user_id)
        except DomainError as exc:
            return error_toast(exc)
        return ok_toast("Плательщик удалён")
