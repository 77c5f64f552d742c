"""A studio adds its ООО, downloads an invoice for a tariff, the admin uploads the bank
statement that pays it, and the studio sees the invoice «оплачен», the licence and the ledger.
In Chromium against the real portal."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import goto_live
from tests.services.payer_factories import (
    BIK,
    CORR,
    OOO_INN,
    OOO_KPP,
    OOO_OGRN,
    Doc,
    account_for,
    statement,
)

STUDIO = ("studio.e2e@example.ru", "password123")
ADMIN = ("bank.admin.e2e@example.ru", "password123")


def _pdf_text(download) -> str:
    with open(download.path(), "rb") as handle:
        data = handle.read()
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace("\xa0", " ")


def test_studio_pays_an_invoice_by_bank_transfer(page, login_as, logout, make_customer, make_admin,
                                                 make_tariff, shot) -> None:
    make_customer(email=STUDIO[0], password=STUDIO[1], name="Веб-студия")
    make_admin(email=ADMIN[0], password=ADMIN[1])
    tariff = make_tariff(name="Студия", price=450_000)
    login_as(page, *STUDIO)

    # «Плательщики»: a broken ИНН is refused with its own message, the fixed one is saved.
    goto_live(page, "/payers")
    page.click("#add-payer")
    for name, value in {"name": "ООО «Ромашка»", "inn": "7707083894", "kpp": OOO_KPP, "ogrn": OOO_OGRN,
                        "legal_address": "г. Москва, ул. Ленина, 1", "bank_name": "ПАО Сбербанк", "bik": BIK,
                        "account": account_for(BIK), "corr_account": CORR, "email": "buh@romashka.ru"}.items():
        page.fill(f"#payer-{name}", value)
    page.click("#save-payer")
    expect(page.get_by_text("ИНН не прошёл проверку контрольных цифр")).to_be_visible()
    page.fill("#payer-inn", OOO_INN)
    page.click("#save-payer")
    expect(page.get_by_text("Плательщик добавлен")).to_be_visible()
    expect(page.locator("#payer-1")).to_contain_text("ООО «Ромашка»")
    expect(page.locator("#payer-1")).to_contain_text("по умолчанию")

    # «Баланс → Счёт на оплату» for the tariff; the PDF names the licence and the amount in words.
    goto_live(page, "/balance")
    page.click("#invoice-link")  # a client-side route change: the same websocket goes on
    page.wait_for_url("**/balance/invoice")
    expect(page.locator("#invoice-payer")).to_contain_text(OOO_INN)
    page.get_by_role("radio", name="Лицензия по тарифу").click()
    page.select_option("#invoice-tariff", value=str(tariff))
    page.click("#issue-invoice")
    page.wait_for_url("**/documents")
    expect(page.locator("#invoice-status-1")).to_have_text("выставлен")
    number = re.search(r"\d{4}-\d{6}", page.locator("#invoice-1").inner_text()).group(0)
    with page.expect_download() as download:
        page.click("#invoice-pdf-1")
    text = _pdf_text(download.value)
    assert f"Счёт на оплату № {number}" in text and "4 500,00" in text
    assert "Четыре тысячи пятьсот рублей 00 копеек" in text and "«Студия»" in text and OOO_INN in text
    shot(page, "documents-invoice-issued")
    logout(page)

    # The admin uploads the bank statement that pays it.
    login_as(page, *ADMIN)
    goto_live(page, "/admin/payments")
    page.click("#bank-payments-link")
    page.wait_for_url("**/admin/payments/bank")
    content = statement([Doc("4321", "4500.00", f"Оплата по счёту № {number}. Без НДС", payer_name="ООО «Ромашка»"),
                         Doc("77", "100.00", "Оплата без номера счёта")])
    page.set_input_files("#bank-statement-upload input[type=file]",
                         files=[{"name": "kl_to_1c.txt", "mimeType": "text/plain", "buffer": content}])
    page.click("#upload-statement")
    expect(page.locator("#upload-summary")).to_contain_text("Зачислено автоматически: 1")
    expect(page.locator("#upload-summary")).to_contain_text("ждут разбора: 1")
    expect(page.get_by_text("В назначении платежа нет номера счёта")).to_be_visible()
    shot(page, "admin-bank-uploaded")
    logout(page)

    # The studio: the invoice is paid, the licence is bought, the ledger shows both.
    login_as(page, *STUDIO)
    goto_live(page, "/documents")
    expect(page.locator("#invoice-status-1")).to_have_text("оплачен")
    goto_live(page, "/licenses")
    expect(page.get_by_text("Студия").first).to_be_visible()
    goto_live(page, "/balance")
    expect(page.locator("#balance-value")).to_contain_text("0,00")
    expect(page.get_by_text(f"Оплата по счёту № {number}").first).to_be_visible()
    expect(page.get_by_text(f"(счёт № {number})").first).to_be_visible()
    assert page.console_errors == []
