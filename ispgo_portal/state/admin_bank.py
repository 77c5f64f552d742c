"""«Платежи → Банковские поступления»: upload a 1C bank statement, assign the payments that
did not match an invoice, mark an invoice paid by hand. Every handler re-checks the admin."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from ispgo_portal.clock import format_date
from ispgo_portal.money import format_rub
from ispgo_portal.services.billing import bank_statements, invoices
from ispgo_portal.services.billing.statement_1c import MAX_STATEMENT_BYTES
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import Caller
from ispgo_portal.state.forms import as_id, clear_field_errors, form_text
from ispgo_portal.state.handler import admin_handler, ok_toast, public_handler
from ispgo_portal.state.session import SessionState

STATEMENT_UPLOAD = "bank-statement-upload"
STATUS_COLORS = {"matched": "green", "waiting": "orange", "assigned": "blue"}
# A dialog's form error field -> the var that shows it under that field.
ASSIGN_FIELDS = {"invoice_number": "err_invoice_number", "email": "err_email", "reason": "err_reason"}
MARK_FIELDS = {"reason": "err_mark_reason"}


@dataclass
class BankRow:
    id: int = 0
    number: str = ""
    date: str = ""
    amount: str = ""
    payer: str = ""
    purpose: str = ""
    status: str = ""
    status_label: str = ""
    status_color: str = "gray"
    reason: str = ""
    invoice_number: str = ""


@dataclass
class OpenInvoiceRow:
    id: int = 0
    number: str = ""
    date: str = ""
    payer: str = ""
    amount: str = ""


def bank_row(view: bank_statements.BankPaymentView) -> BankRow:
    return BankRow(id=view.id, number=view.doc_number,
                   date=view.doc_date.strftime("%d.%m.%Y") if view.doc_date else "—",
                   amount=format_rub(view.amount), payer=f"{view.payer_name}, ИНН {view.payer_inn or '—'}",
                   purpose=view.purpose, status=view.status, status_label=view.status_label,
                   status_color=STATUS_COLORS.get(view.status, "gray"), reason=view.reason,
                   invoice_number=view.invoice_number)


def _read_upload(files: object) -> tuple[str, bytes | None]:
    """The first uploaded file (or garbage from a crafted event) as (name, bytes); None when
    there is none or it is larger than a statement may be."""
    if not isinstance(files, list) or not files:
        return "", None
    item = files[0]
    stream = getattr(item, "file", None)
    name = getattr(item, "filename", "")
    try:
        stream.seek(0)
        data = stream.read(MAX_STATEMENT_BYTES + 1)
    except (OSError, ValueError, AttributeError):
        return "", None
    return (name if isinstance(name, str) else ""), (data if isinstance(data, bytes) else None)


# An error of no field (the payment already credited, the invoice already paid) is said in
# the dialog, never in a toast.
def _assign_failed(state: AdminBankState, exc: DomainError, caller: Caller | None) -> None:
    del caller
    if exc.field not in ASSIGN_FIELDS:
        state.assign_error = exc.message


def _mark_failed(state: AdminBankState, exc: DomainError, caller: Caller | None) -> None:
    del caller
    if exc.field not in MARK_FIELDS:
        state.mark_error = exc.message


class AdminBankState(SessionState):
    waiting_rows: list[BankRow] = []
    recent_rows: list[BankRow] = []
    open_invoices: list[OpenInvoiceRow] = []
    bank_loaded: bool = False
    upload_summary: str = ""
    upload_busy: bool = False
    assign_open: bool = False
    assign_payment_id: int = 0
    assign_title: str = ""
    assign_error: str = ""  # an error that names no field
    err_invoice_number: str = ""
    err_email: str = ""
    err_reason: str = ""
    mark_open: bool = False
    mark_invoice_id: int = 0
    mark_title: str = ""
    mark_error: str = ""  # an error that names no field
    err_mark_reason: str = ""

    def _read(self, admin_id: int) -> tuple[list, list, list]:
        return (bank_statements.list_bank_payments(admin_id=admin_id, waiting_only=True),
                bank_statements.list_bank_payments(admin_id=admin_id, waiting_only=False, limit=30),
                invoices.list_open_invoices(admin_id=admin_id))

    def _reload(self, admin_id: int) -> None:
        waiting, recent, open_invoices = self._read(admin_id)
        self.waiting_rows = [bank_row(v) for v in waiting]
        self.recent_rows = [bank_row(v) for v in recent]
        self.open_invoices = [OpenInvoiceRow(id=v.id, number=v.number, date=format_date(v.created_at),
                                             payer=f"{v.payer.name}, ИНН {v.payer.inn}", amount=format_rub(v.amount))
                              for v in open_invoices]
        self.bank_loaded = True

    @admin_handler(page=True)
    def load_bank(self, caller: Caller):
        self._reload(caller.user_id)

    @admin_handler
    def upload_statement(self, caller: Caller, files: list[rx.UploadFile]):
        self.upload_busy, self.upload_summary = True, ""
        yield
        try:
            name, content = _read_upload(files)
            if content is None:
                raise DomainError("no_file", "Выберите файл выписки (до 5 МБ)")
            result = bank_statements.upload_statement(admin_id=caller.user_id, filename=name, content=content)
            self.upload_summary = result.summary()
            self._reload(caller.user_id)
        finally:
            self.upload_busy = False
        yield rx.clear_selected_files(STATEMENT_UPLOAD)

    @admin_handler
    def open_assign(self, caller: Caller, payment_id: int):
        row = next((r for r in self.waiting_rows if r.id == as_id(payment_id)), None)
        if row is None:
            return
        self.assign_payment_id = row.id
        self.assign_title = f"п/п № {row.number} от {row.date}, {row.amount} — {row.payer}"
        self.assign_error, self.assign_open = "", True
        clear_field_errors(self, ASSIGN_FIELDS)

    @public_handler(inline=True)
    def set_assign_open(self, value: bool):
        self.assign_open = value is True

    @admin_handler(on_error=_assign_failed, fields=ASSIGN_FIELDS)
    def assign_payment(self, caller: Caller, form: dict):
        self.assign_error = ""
        data = {k: form_text(form, k) for k in ("invoice_number", "email", "reason")}
        outcome = bank_statements.assign_bank_payment(admin_id=caller.user_id,
                                                      bank_payment_id=self.assign_payment_id, form=data)
        self._reload(caller.user_id)
        self.assign_open = False
        return ok_toast(outcome)

    @admin_handler
    def open_mark(self, caller: Caller, invoice_id: int):
        row = next((r for r in self.open_invoices if r.id == as_id(invoice_id)), None)
        if row is None:
            return
        self.mark_invoice_id = row.id
        self.mark_title = f"Счёт № {row.number} от {row.date}, {row.amount} — {row.payer}"
        self.mark_error, self.mark_open = "", True
        clear_field_errors(self, MARK_FIELDS)

    @public_handler(inline=True)
    def set_mark_open(self, value: bool):
        self.mark_open = value is True

    @admin_handler(on_error=_mark_failed, fields=MARK_FIELDS)
    def mark_paid(self, caller: Caller, form: dict):
        self.mark_error = ""
        invoices.mark_invoice_paid(admin_id=caller.user_id, invoice_id=self.mark_invoice_id,
                                   form={"reason": form_text(form, "reason")})
        self._reload(caller.user_id)
        self.mark_open = False
        return ok_toast("Счёт отмечен оплаченным, деньги зачислены на баланс клиента")
