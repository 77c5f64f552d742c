"""Russian company details and their check digits: ИНН, КПП, ОГРН/ОГРНИП (python-stdnum),
БИК and the account numbers checked against the БИК (the Bank of Russia's control key).

Each check returns the cleaned value or raises DomainError with the form field it belongs to.
"""

from __future__ import annotations

import re

from stdnum.exceptions import ValidationError
from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

from ispgo_portal.services.errors import DomainError

_KPP = re.compile(r"^\d{4}[0-9A-Z]{2}\d{3}$")
_WEIGHTS = ((7, 1, 3) * 8)[:23]  # 3 digits of the БИК + 20 of the account


def _digits(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def check_inn(value: str, *, length: int, field: str = "inn") -> str:
    """An ИНН of an organisation (10 digits) or of a person / ИП (12 digits)."""
    inn = _digits(value)
    who = "организации" if length == 10 else "ИП"
    if not inn.isdigit() or len(inn) != length:
        raise DomainError("invalid_inn", f"ИНН {who} — {length} цифр", field=field)
    try:
        stdnum_inn.validate(inn)
    except ValidationError as exc:
        raise DomainError("invalid_inn", "ИНН не прошёл проверку контрольных цифр — проверьте его",
                          field=field) from exc
    return inn


def check_kpp(value: str) -> str:
    """КПП: 9 characters, the 5th and 6th may be letters (the reason code)."""
    kpp = _digits(value).upper()
    if not _KPP.match(kpp):
        raise DomainError("invalid_kpp", "КПП — 9 знаков: 4 цифры, 2 цифры или буквы, 3 цифры",
                          field="kpp")
    return kpp


def check_ogrn(value: str, *, entrepreneur: bool) -> str:
    """ОГРН of an ООО (13 digits) or ОГРНИП of an ИП (15 digits), with the check digit."""
    ogrn = _digits(value)
    name, length = ("ОГРНИП", 15) if entrepreneur else ("ОГРН", 13)
    if not ogrn.isdigit() or len(ogrn) != length:
        raise DomainError("invalid_ogrn", f"{name} — {length} цифр", field="ogrn")
    try:
        stdnum_ogrn.validate(ogrn)
    except ValidationError as exc:
        raise DomainError("invalid_ogrn", f"{name} не прошёл проверку контрольной цифры — проверьте его",
                          field="ogrn") from exc
    return ogrn


def check_bik(value: str) -> str:
    """БИК: 9 digits, Russian banks start with 04."""
    bik = _digits(value)
    if not bik.isdigit() or len(bik) != 9 or not bik.startswith("04"):
        raise DomainError("invalid_bik", "БИК — 9 цифр и начинается с 04", field="bik")
    return bik


def _control_key_ok(prefix: str, account: str) -> bool:
    return sum(int(ch) * w for ch, w in zip(prefix + account, _WEIGHTS, strict=True)) % 10 == 0


def check_account(value: str, *, bik: str) -> str:
    """Расчётный счёт: 20 digits whose control key agrees with the bank's БИК."""
    account = _digits(value)
    if not account.isdigit() or len(account) != 20:
        raise DomainError("invalid_account", "Расчётный счёт — 20 цифр", field="account")
    if not _control_key_ok(bik[-3:], account):
        raise DomainError("invalid_account",
                          "Расчётный счёт не сходится с БИК по контрольному ключу — проверьте оба",
                          field="account")
    return account


def check_corr_account(value: str, *, bik: str) -> str:
    """Корр. счёт: 20 digits, starts with 301, control key computed with «0» and the БИК's
    5th–6th digits."""
    account = _digits(value)
    if not account.isdigit() or len(account) != 20 or not account.startswith("301"):
        raise DomainError("invalid_corr_account", "Корр. счёт — 20 цифр и начинается с 301",
                          field="corr_account")
    if not _control_key_ok("0" + bik[4:6], account):
        raise DomainError("invalid_corr_account",
                          "Корр. счёт не сходится с БИК по контрольному ключу — проверьте оба",
                          field="corr_account")
    return account
