"""«Документы» (invoices with their status, monthly acts, the reconciliation statement) and
«Баланс → Счёт на оплату». Downloads are plain links to the authenticated PDF routes."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import reflex as rx

from ispgo_portal.clock import format_date, to_msk, utcnow
from ispgo_portal.money import format_rub
from ispgo_portal.services.billing import closing_documents, invoices, payers
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.forms import parse_day
from ispgo_portal.services.guard import Caller
from ispgo_portal.services.licensing.catalog import list_active_tariffs
from ispgo_portal.state.forms import as_id, clear_field_errors, form_text
from ispgo_portal.state.handler import customer_handler, ok_toast, public_handler
from ispgo_portal.state.session import SessionState

STATUS_COLORS = {"issued": "blue", "paid": "green", "cancelled": "gray"}
# A form error's field -> the var that shows it under that field.
RECONCILIATION_FIELDS = {"date_from": "err_date_from", "date_to": "err_date_to"}
INVOICE_FIELDS = {"payer_id": "err_payer_id", "tariff_id": "err_tariff_id", "amount": "err_amount"}


@dataclass
class InvoiceRow:
    id: int = 0
    number: str = ""
    date: str = ""
    payer: str = ""
    item: str = ""
    amount: str = ""
    status: str = ""
    status_label: str = ""
    status_color: str = "gray"
    url: str = ""


@dataclass
class ActRow:
    id: int = 0
    number: str = ""
    date: str = ""
    period: str = ""
    payer: str = ""
    total: str = ""
    url: str = ""


@dataclass
class Option:
    value: str = ""
    label: str = ""


def invoice_row(view: invoices.InvoiceView) -> InvoiceRow:
    return InvoiceRow(id=view.id, number=view.number, date=format_date(view.created_at), payer=view.payer.name,
                      item=view.item, amount=format_rub(view.amount), status=view.status,
                      status_label=view.status_label, status_color=STATUS_COLORS.get(view.status, "gray"),
                      url=f"/api/documents/invoices/{view.id}")


def act_row(view: closing_documents.ActView) -> ActRow:
    return ActRow(id=view.id, number=view.number, date=view.act_date.strftime("%d.%m.%Y"),
                  period=view.period_label, payer=view.payer.name, total=format_rub(view.total),
                  url=f"/api/documents/acts/{view.id}")


def _reconciliation_failed(state: DocumentsState, exc: DomainError, caller: Caller | None) -> None:
    """An error of no field (the payer not found) is said under the form, never in a toast."""
    del caller
    if exc.field not in RECONCILIATION_FIELDS:
        state.err_form = exc.message


def _invoice_failed(state: InvoiceFormState, exc: DomainError, caller: Caller | None) -> None:
    """Stop the spinner; an error of no field (a tariff free for this customer) is said at the
    form's foot, never in a toast."""
    del caller
    state.inv_busy = False
    if exc.field not in INVOICE_FIELDS:
        state.err_form = exc.message


class DocumentsState(SessionState):
    invoice_rows: list[InvoiceRow] = []
    act_rows: list[ActRow] = []
    company_options: list[Option] = []
    docs_loaded: bool = False
    err_date_from: str = ""
    err_date_to: str = ""
    err_form: str = ""  # an error that names no field
    rec_url: str = ""
    rec_from: str = ""
    rec_to: str = ""

    def _reload(self, user_id: int) -> None:
        self.invoice_rows = [invoice_row(v) for v in invoices.list_invoices(user_id=user_id)]
        self.act_rows = [act_row(v) for v in closing_documents.list_acts(user_id=user_id)]
        self.company_options = [Option(value=str(p.id), label=p.title)
                                for p in payers.list_payers(user_id=user_id) if p.is_company]
        self.docs_loaded = True

    @customer_handler(page=True)
    def load_documents(self, caller: Caller):
        today = to_msk(utcnow()).date()
        self.rec_from = self.rec_from or today.replace(day=1).isoformat()
        self.rec_to = self.rec_to or today.isoformat()
        self.rec_url, self.err_form = "", ""
        clear_field_errors(self, RECONCILIATION_FIELDS)
        self._reload(caller.user_id)

    @customer_handler
    def cancel_invoice(self, caller: Caller, invoice_id: str):
        invoices.cancel_invoice(user_id=caller.user_id, invoice_id=as_id(invoice_id))
        self._reload(caller.user_id)
        return ok_toast("Счёт аннулирован")

    @customer_handler(on_error=_reconciliation_failed, fields=RECONCILIATION_FIELDS)
    def prepare_reconciliation(self, caller: Caller, form: dict):
        """Checks the period and the payer, then offers the PDF link (the route checks again)."""
        self.err_form, self.rec_url = "", ""
        payer_id = as_id(form_text(form, "payer_id"))
        day_from = parse_day(form_text(form, "from"), field="date_from", label="Начало периода")
        day_to = parse_day(form_text(form, "to"), field="date_to", label="Конец периода")
        if day_from is None:
            raise DomainError("invalid_period", "Укажите начало периода", field="date_from")
        if day_to is None:
            raise DomainError("invalid_period", "Укажите конец периода", field="date_to")
        closing_documents.reconciliation(user_id=caller.user_id, payer_id=payer_id,
                                         date_from=day_from, date_to=day_to)
        self.rec_from, self.rec_to = day_from.isoformat(), day_to.isoformat()
        query = urlencode({"payer_id": payer_id, "from": self.rec_from, "to": self.rec_to})
        self.rec_url = f"/api/documents/reconciliation?{query}"


class InvoiceFormState(SessionState):
    """«Баланс → Счёт на оплату»: a company profile and an amount or a tariff."""

    inv_companies: list[Option] = []
    inv_tariffs: list[Option] = []
    inv_mode: str = "amount"
    err_payer_id: str = ""
    err_tariff_id: str = ""
    err_amount: str = ""
    err_form: str = ""  # an error that names no field
    inv_busy: bool = False
    inv_loaded: bool = False

    def _clear_errors(self) -> None:
        clear_field_errors(self, INVOICE_FIELDS)
        self.err_form = ""

    @customer_handler(page=True)
    def load_invoice_form(self, caller: Caller):
        self._clear_errors()
        companies = [p for p in payers.list_payers(user_id=caller.user_id) if p.is_company]
        companies.sort(key=lambda p: not p.is_default)
        self.inv_companies = [Option(value=str(p.id), label=p.title) for p in companies]
        self.inv_tariffs = [Option(value=str(t["id"]), label=f"{t['name']} — {format_rub(t['price'])}, "
                                   f"{t['period_days']} дн.") for t in list_active_tariffs()]
        self.inv_loaded = True

    @public_handler(inline=True)
    def pick_invoice_mode(self, mode: str | list[str]):
        self.inv_mode = "tariff" if mode == "tariff" else "amount"
        self._clear_errors()

    @customer_handler(on_error=_invoice_failed, fields=INVOICE_FIELDS)
    def issue_invoice(self, caller: Caller, form: dict):
        self.err_form = ""
        data = {"payer_id": form_text(form, "payer_id")}
        if self.inv_mode == "tariff":
            data["tariff_id"] = form_text(form, "tariff_id") or "0"
            if not as_id(data["tariff_id"]):
                raise DomainError("tariff_required", "Выберите тариф", field="tariff_id")
        else:
            data["amount"] = form_text(form, "amount")
        self.inv_busy = True
        yield
        invoice_id = invoices.issue_invoice(user_id=caller.user_id, form=data)
        view = invoices.invoice_for_viewer(invoice_id=invoice_id, viewer_id=caller.user_id)
        self.inv_busy = False
        yield [rx.redirect("/documents"),
               ok_toast(f"Счёт № {view.number} на {format_rub(view.amount)} выставлен — скачайте его в «Документах»")]
