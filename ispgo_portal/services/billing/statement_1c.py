"""Reading a bank statement in the 1C exchange format (`1CClientBankExchange`, the text file
every Russian bank exports for accounting programs), windows-1251 or UTF-8.

Only what matching needs is kept: the statement's account and period, and per payment order
its number, date, amount, payer and receiver (account, ИНН) and purpose."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from ispgo_portal.limits import MAX_BANK_PAYMENT
from ispgo_portal.services.errors import DomainError

MAX_STATEMENT_BYTES = 5 * 1024 * 1024
HEADER = "1CClientBankExchange"


@dataclass(frozen=True)
class StatementDocument:
    number: str
    day: date | None
    amount: int  # kopecks
    payer_name: str
    payer_inn: str
    payer_account: str
    receiver_inn: str
    receiver_account: str
    purpose: str

    @property
    def key(self) -> str:
        """Identifies the payment itself, whatever statement it arrives in."""
        raw = "|".join((self.number, self.day.isoformat() if self.day else "", str(self.amount),
                        self.payer_inn, self.payer_account, self.receiver_account))
        return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class Statement:
    account: str
    date_from: date | None
    date_to: date | None
    documents: list[StatementDocument]


def decode(content: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8 (with or without a BOM), else windows-1251."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1251", errors="replace")


def _day(value: str) -> date | None:
    try:
        return datetime.strptime(value.strip(), "%d.%m.%Y").date()
    except ValueError:
        return None


def _kopecks(value: str, number: str) -> int:
    try:
        amount = Decimal(value.strip().replace(",", ".").replace(" ", ""))
    except InvalidOperation as exc:
        raise DomainError("bad_statement", f"Платёжное поручение № {number}: сумма «{value}» — не число") from exc
    # "Infinity" and "NaN" parse as Decimals too; their exponent is a letter, not a number.
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2 or not 0 < amount * 100 <= MAX_BANK_PAYMENT:
        raise DomainError("bad_statement", f"Платёжное поручение № {number}: сумма «{value}» не годится")
    return int(amount * 100)


def _document(fields: dict[str, str]) -> StatementDocument:
    number = fields.get("Номер", "").strip()
    payer_name = fields.get("Плательщик1") or fields.get("Плательщик", "")
    return StatementDocument(
        number=number[:20],
        day=_day(fields.get("Дата", "")),
        amount=_kopecks(fields.get("Сумма", ""), number),
        payer_name=payer_name.strip()[:300],
        payer_inn=fields.get("ПлательщикИНН", "").strip()[:12],
        payer_account=fields.get("ПлательщикСчет", fields.get("ПлательщикРасчСчет", "")).strip()[:20],
        receiver_inn=fields.get("ПолучательИНН", "").strip()[:12],
        receiver_account=fields.get("ПолучательСчет", fields.get("ПолучательРасчСчет", "")).strip()[:20],
        purpose=fields.get("НазначениеПлатежа", "").strip()[:500],
    )


def parse_statement(content: bytes) -> Statement:
    """The statement, or DomainError with a Russian message when it is not one."""
    if len(content) > MAX_STATEMENT_BYTES:
        raise DomainError("statement_too_large", "Файл выписки больше 5 МБ — выгрузите период короче")
    lines = decode(content).splitlines()
    if not lines or lines[0].strip() != HEADER:
        raise DomainError("bad_statement",
                          "Это не выписка в формате обмена с 1С: первая строка должна быть «1CClientBankExchange»")
    header: dict[str, str] = {}
    documents: list[StatementDocument] = []
    current: dict[str, str] | None = None
    for raw in lines[1:]:
        line = raw.strip()
        if line.startswith("СекцияДокумент"):
            current = {}
        elif line == "КонецДокумента":
            if current is not None:
                documents.append(_document(current))
            current = None
        elif "=" in line:
            name, _, value = line.partition("=")
            (current if current is not None else header).setdefault(name.strip(), value)
    if current is not None:
        raise DomainError("bad_statement", "Выписка оборвана: у последнего документа нет «КонецДокумента»")
    return Statement(account=header.get("РасчСчет", "").strip()[:20], date_from=_day(header.get("ДатаНачала", "")),
                     date_to=_day(header.get("ДатаКонца", "")), documents=documents)
