"""«Плательщики»: the customer's payer profiles (person, ООО, ИП) and the default one."""

from __future__ import annotations

from dataclasses import dataclass

from ispgo_portal.services.billing import payers
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import Caller
from ispgo_portal.state.forms import as_id, clear_field_errors
from ispgo_portal.state.handler import customer_handler, ok_toast, public_handler
from ispgo_portal.state.session import SessionState

FORM_FIELDS = ("kind", "name", "inn", "kpp", "ogrn", "legal_address", "bank_name", "bik", "account",
               "corr_account", "email")
# A profile form error's field -> the var that shows it under that field.
PAYER_FIELDS = {name: f"err_{name}" for name in FORM_FIELDS}


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


def _form_failed(state: PayersState, exc: DomainError, caller: Caller | None) -> None:
    """Stop the spinner; an error of no field (too many payers) is said at the form's foot, as
    the field errors are said in the form, never in a toast."""
    del caller
    state.payer_busy = False
    if exc.field not in PAYER_FIELDS:
        state.err_form = exc.message


class PayersState(SessionState):
    payer_rows: list[PayerRow] = []
    payers_loaded: bool = False
    payer_form_open: bool = False
    payer_kind: str = "company"
    payer_busy: bool = False
    err_kind: str = ""
    err_name: str = ""
    err_inn: str = ""
    err_kpp: str = ""
    err_ogrn: str = ""
    err_legal_address: str = ""
    err_bank_name: str = ""
    err_bik: str = ""
    err_account: str = ""
    err_corr_account: str = ""
    err_email: str = ""
    err_form: str = ""  # an error that names no field

    def _clear_errors(self) -> None:
        clear_field_errors(self, PAYER_FIELDS)
        self.err_form = ""

    def _reload(self, user_id: int) -> None:
        self.payer_rows = [row_of(v) for v in payers.list_payers(user_id=user_id)]
        self.payers_loaded = True

    @customer_handler(page=True)
    def load_payers(self, caller: Caller):
        self._reload(caller.user_id)

    @public_handler(inline=True)
    def open_payer_form(self):
        self._clear_errors()
        self.payer_form_open = True

    @public_handler(inline=True)
    def set_payer_form_open(self, value: bool):
        self.payer_form_open = value is True

    @public_handler(inline=True)
    def pick_payer_kind(self, kind: str | list[str]):
        self.payer_kind = kind if kind in ("person", "company", "entrepreneur") else "company"
        self._clear_errors()

    @customer_handler(on_error=_form_failed, fields=PAYER_FIELDS)
    def create_payer(self, caller: Caller, form: dict):
        data = {name: form.get(name, "") for name in FORM_FIELDS} if isinstance(form, dict) else {}
        data["kind"] = self.payer_kind
        self.payer_busy, self.err_form = True, ""
        yield
        payers.create_payer(user_id=caller.user_id, form=data)
        self._reload(caller.user_id)
        self.payer_form_open = self.payer_busy = False
        yield ok_toast("Плательщик добавлен")

    @customer_handler
    def make_default(self, caller: Caller, payer_id: str):
        payers.set_default_payer(user_id=caller.user_id, payer_id=as_id(payer_id))
        self._reload(caller.user_id)
        return ok_toast("Плательщик по умолчанию изменён")

    @customer_handler
    def delete_payer(self, caller: Caller, payer_id: str):
        payers.delete_payer(user_id=caller.user_id, payer_id=as_id(payer_id))
        self._reload(caller.user_id)
        return ok_toast("Плательщик удалён")
