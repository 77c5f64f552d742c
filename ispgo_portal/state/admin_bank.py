"""«Платежи → Банковские поступления»: upload a 1C bank statement, assign the payments that
did not match an invoice, mark an invoice paid by hand. Every handler re-checks the admin."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx

from ispgo_portal.clock import format_date
from ispgo_portal.money import format_rub
from ispgo_portal.services.billing import bank_statements, invoices
from ispgo_portal.services.billing.statement_1c import MAX_STATEMENT_BYTES
from ispgo_portal.services.errors import DomainError
from ispgo_portal.state.forms import as_id, form_text
from ispgo_portal.state.session import SessionState, error_toast, ok_toast

STATEMENT_UPLOAD = "bank-statement-upload"
STATUS_COLORS = {"matched": "green", "waiting": "orange", "assigned": "blue"}


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
    assign_error: str = ""
    mark_open: bool = False
    mark_invoice_id: int = 0
    mark_title: str = ""
    mark_error: str = ""

    def _read(self, admin_id: int) -> tuple[list, list, list]:
        return (bank_statements.list_bank_payments(admin_id=admin_id, waiting_only=True),
                bank_statements.list_bank_payments(admin_id=admin_id, waiting_only=False, limit=30),
                invoices.list_open_invoices(admin_id=admin_id))

    async def _reload(self, admin_id: int) -> None:
        waiting, recent, open_invoices = await asyncio.to_thread(self._read, admin_id)
        self.waiting_rows = [bank_row(v) for v in waiting]
        self.recent_rows = [bank_row(v) for v in recent]
        self.open_invoices = [OpenInvoiceRow(id=v.id, number=v.number, date=format_date(v.created_at),
                                             payer=f"{v.payer.name}, ИНН {v.payer.inn}", amount=format_rub(v.amount))
                              for v in open_invoices]
        self.bank_loaded = True

    @rx.event
    async def load_bank(self):
        try:
            admin = await asyncio.to_thread(self._admin)
            await self._reload(admin.user_id)
        except DomainError as exc:
            return error_toast(exc)
        return None

    @rx.event
    async def upload_statement(self, files: list[rx.UploadFile]):
        self.upload_busy, self.upload_summary = True, ""
        yield
        try:
            admin = await asyncio.to_thread(self._admin)
            name, content = await asyncio.to_thread(_read_upload, files)
            if content is None:
                raise DomainError("no_file", "Выберите файл выписки (до 5 МБ)")
            result = await asyncio.to_thread(bank_statements.upload_statement, admin_id=admin.user_id,
                                             filename=name, content=content)
            self.upload_summary = result.summary()
            await self._reload(admin.user_id)
        except DomainError as exc:
            yield error_toast(exc)
        finally:
            self.upload_busy = False
        yield rx.clear_selected_files(STATEMENT_UPLOAD)

    @rx.event
    async def open_assign(self, payment_id: int):
        try:
            await asyncio.to_thread(self._admin)
        except DomainError as exc:
            return error_toast(exc)
        row = next((r for r in self.waiting_rows if r.id == as_id(payment_id)), None)
        if row is None:
            return None
        self.assign_payment_id = row.id
        self.assign_title = f"п/п № {row.number} от {row.date}, {row.amount} — {row.payer}"
        self.assign_error, self.assign_open = "", True
        return None

    @rx.event
    def set_assign_open(self, value: bool):
        self.assign_open = value is True

    @rx.event
    async def assign_payment(self, form: dict):
        self.assign_error = ""
        try:
            admin = await asyncio.to_thread(self._admin)
            data = {k: form_text(form, k) for k in ("invoice_number", "email", "reason")}
            outcome = await asyncio.to_thread(bank_statements.assign_bank_payment, admin_id=admin.user_id,
                                              bank_payment_id=self.assign_payment_id, form=data)
            await self._reload(admin.user_id)
        except DomainError as exc:
            self.assign_error = exc.message
            return None
        self.assign_open = False
        return ok_toast(outcome)

    @rx.event
    async def open_mark(self, invoice_id: int):
        try:
            await asyncio.to_thread(self._admin)
        except DomainError as exc:
            return error_toast(exc)
        row = next((r for r in self.open_invoices if r.id == as_id(invoice_id)), None)
        if row is None:
            return None
        self.mark_invoice_id = row.id
        self.mark_title = f"Счёт № {row.number} от {row.date}, {row.amount} — {row.payer}"
        self.mark_error, self.mark_open = "", True
        return None

    @rx.event
    def set_mark_open(self, value: bool):
        self.mark_open = value is True

    @rx.event
    async def mark_paid(self, form: dict):
        self.mark_error = ""
        try:
            admin = await asyncio.to_thread(self._admin)
            await asyncio.to_thread(invoices.mark_invoice_paid, admin_id=admin.user_id,
                                    invoice_id=self.mark_invoice_id, form={"reason": form_text(form, "reason")})
            await self._reload(admin.user_id)
        except DomainError as exc:
            self.mark_error = exc.message
            return None
        self.mark_open = False
        return ok_toast("Счёт отмечен оплаченным, деньги зачислены на баланс клиента")
