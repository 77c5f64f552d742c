"""Valid company details and 1C bank statements for the payer tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

OOO_INN = "7707083893"
OOO_KPP = "770701001"
OOO_OGRN = "1027700132195"
IP_INN = "500100732259"
IP_OGRNIP = "304500116000157"
BIK = "044525225"
CORR = "30101810400000000225"
_WEIGHTS = ((7, 1, 3) * 8)[:23]  # 3 digits of the БИК + 20 of the account


def account_for(bik: str, body: str = "4070281000000000") -> str:
    """A 20-digit account (5 digits, the key, 14 digits) whose control key fits `bik`."""
    head, tail = "40702810", "00000000" + body[-3:] + "123"
    for key in "0123456789":
        account = (head + key + tail)[:20]
        digits = bik[-3:] + account
        if sum(int(c) * w for c, w in zip(digits, _WEIGHTS, strict=True)) % 10 == 0:
            return account
    raise AssertionError("no key digit fits")


def company_form(**overrides: str) -> dict[str, str]:
    form = {"kind": "company", "name": "ООО «Веб-студия Ромашка»", "inn": OOO_INN, "kpp": OOO_KPP,
            "ogrn": OOO_OGRN, "legal_address": "г. Москва, ул. Ленина, д. 1", "bank_name": "ПАО Сбербанк",
            "bik": BIK, "account": account_for(BIK), "corr_account": CORR, "email": "buh@romashka.ru"}
    form.update(overrides)
    return form


def entrepreneur_form(**overrides: str) -> dict[str, str]:
    form = company_form(kind="entrepreneur", name="ИП Петров Пётр Петрович", inn=IP_INN, kpp="",
                        ogrn=IP_OGRNIP, legal_address="")
    form.update(overrides)
    return form


@dataclass(frozen=True)
class Doc:
    number: str
    amount: str  # "10000.00"
    purpose: str
    payer_inn: str = OOO_INN
    day: str = "05.11.2026"
    payer_name: str = "ООО «Веб-студия Ромашка»"
    receiver_account: str = ""  # default: the seller's account


def statement(docs: Sequence[Doc], *, encoding: str = "cp1251", created: str = "30.11.2026") -> bytes:
    from ispgo_portal.settings import get_settings

    ours = get_settings().seller_account
    lines = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", "Отправитель=Бухгалтерия",
             f"ДатаСоздания={created}", "ДатаНачала=01.11.2026", "ДатаКонца=30.11.2026", f"РасчСчет={ours}",
             "СекцияРасчСчет", f"РасчСчет={ours}", "НачальныйОстаток=0.00", "КонецРасчСчет"]
    for d in docs:
        lines += ["СекцияДокумент=Платежное поручение", f"Номер={d.number}", f"Дата={d.day}",
                  f"Сумма={d.amount}", f"ПлательщикСчет={account_for(BIK)}", f"Плательщик1={d.payer_name}",
                  f"ПлательщикИНН={d.payer_inn}", f"ПолучательСчет={d.receiver_account or ours}",
                  f"ПолучательИНН={get_settings().seller_inn}", f"НазначениеПлатежа={d.purpose}",
                  "КонецДокумента"]
    lines.append("КонецФайла")
    return ("\r\n".join(lines) + "\r\n").encode(encoding)
