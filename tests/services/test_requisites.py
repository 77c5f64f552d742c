"""Check digits of Russian company details: each bad field has its own Russian message."""

from __future__ import annotations

import pytest

from ispgo_portal.services.billing import requisites
from ispgo_portal.services.errors import DomainError
from tests.services.payer_factories import (
    BIK,
    CORR,
    IP_INN,
    IP_OGRNIP,
    OOO_INN,
    OOO_KPP,
    OOO_OGRN,
    account_for,
)


def test_valid_details_pass_and_are_cleaned() -> None:
    assert requisites.check_inn(" 7707 083893 ", length=10) == OOO_INN
    assert requisites.check_inn(IP_INN, length=12) == IP_INN
    assert requisites.check_kpp("7707ab001") == "7707AB001"
    assert requisites.check_kpp(OOO_KPP) == OOO_KPP
    assert requisites.check_ogrn(OOO_OGRN, entrepreneur=False) == OOO_OGRN
    assert requisites.check_ogrn(IP_OGRNIP, entrepreneur=True) == IP_OGRNIP
    assert requisites.check_bik(BIK) == BIK
    assert requisites.check_account(account_for(BIK), bik=BIK) == account_for(BIK)
    assert requisites.check_corr_account(CORR, bik=BIK) == CORR


@pytest.mark.parametrize(("call", "field", "fragment"), [
    (lambda: requisites.check_inn("7707083894", length=10), "inn", "контрольных цифр"),
    (lambda: requisites.check_inn("770708389", length=10), "inn", "10 цифр"),
    (lambda: requisites.check_inn(OOO_INN, length=12), "inn", "12 цифр"),
    (lambda: requisites.check_inn("500100732258", length=12), "inn", "контрольных цифр"),
    (lambda: requisites.check_kpp("77070100"), "kpp", "9 знаков"),
    (lambda: requisites.check_kpp("7707010A1"), "kpp", "9 знаков"),
    (lambda: requisites.check_ogrn("1027700132194", entrepreneur=False), "ogrn", "контрольной цифры"),
    (lambda: requisites.check_ogrn(OOO_OGRN, entrepreneur=True), "ogrn", "ОГРНИП — 15 цифр"),
    (lambda: requisites.check_bik("144525225"), "bik", "начинается с 04"),
    (lambda: requisites.check_bik("04452522"), "bik", "9 цифр"),
    (lambda: requisites.check_account("4070281093800000000", bik=BIK), "account", "20 цифр"),
    (lambda: requisites.check_corr_account("30101810400000000226", bik=BIK), "corr_account", "контрольному ключу"),
    (lambda: requisites.check_corr_account("40101810400000000225", bik=BIK), "corr_account", "начинается с 301"),
])
def test_broken_detail_names_its_field(call, field: str, fragment: str) -> None:
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.field == field
    assert fragment in err.value.message


def test_account_of_another_bank_fails_the_control_key() -> None:
    account = account_for(BIK)
    other_bik = "044525593"  # Альфа-Банк: the same digits do not fit its key
    with pytest.raises(DomainError) as err:
        requisites.check_account(account, bik=other_bik)
    assert err.value.field == "account" and "БИК" in err.value.message


def test_every_single_digit_change_of_an_account_is_caught() -> None:
    account = account_for(BIK)
    for i in range(20):
        broken = account[:i] + str((int(account[i]) + 1) % 10) + account[i + 1:]
        with pytest.raises(DomainError):
            requisites.check_account(broken, bik=BIK)
