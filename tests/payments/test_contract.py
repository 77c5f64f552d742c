"""Contract: the same scenarios against the emulator and, when YOOKASSA_TEST_SHOP_ID and
YOOKASSA_TEST_SECRET_KEY are set, against YooKassa's real test shop (skipped otherwise).

Every expected answer comes from YooKassa's documentation, named in each scenario; the
emulator passing them means it answers what YooKassa answers for the calls we make. The
test shop must have 54-FZ receipts switched on (as the portal's shop does). See README.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from ispgo_portal.payments import EMULATOR_SECRET_KEY, EMULATOR_SHOP_ID
from ispgo_portal.payments.emulator_server import ThreadedServer

REAL_API = "https://api.yookassa.ru/v3"


@dataclass(frozen=True)
class Provider:
    name: str
    api: str
    auth: tuple[str, str]
    return_url: str

    def post(self, path: str, body: dict, key: str | None = None, *, auth: tuple[str, str] | None = None,
             with_key: bool = True) -> httpx.Response:
        headers = {"Idempotence-Key": key or uuid.uuid4().hex} if with_key else {}
        return httpx.post(f"{self.api}/{path}", json=body, auth=auth or self.auth, headers=headers, timeout=40)

    def get(self, path: str, **params: str) -> httpx.Response:
        return httpx.get(f"{self.api}/{path}", params=params, auth=self.auth, timeout=40)


@pytest.fixture(params=["emulator", "yookassa_test_shop"])
def provider(request: pytest.FixtureRequest) -> Iterator[Provider]:
    if request.param == "emulator":
        emulator: ThreadedServer = request.getfixturevalue("emulator")
        yield Provider("emulator", f"{emulator.url}/v3", (EMULATOR_SHOP_ID, EMULATOR_SECRET_KEY),
                       f"{os.environ['BASE_URL'].rstrip('/')}/payments/return")
        return
    shop, secret = os.environ.get("YOOKASSA_TEST_SHOP_ID", ""), os.environ.get("YOOKASSA_TEST_SECRET_KEY", "")
    if not (shop and secret):
        pytest.skip("YOOKASSA_TEST_SHOP_ID / YOOKASSA_TEST_SECRET_KEY not set")
    yield Provider("yookassa_test_shop", os.environ.get("YOOKASSA_TEST_API_URL", REAL_API), (shop, secret),
                   os.environ.get("YOOKASSA_TEST_RETURN_URL", "https://example.com/payments/return"))


def _item(value: str = "100.00", **extra: object) -> dict:
    return {"description": "Пополнение баланса", "quantity": "1.00",
            "amount": {"value": value, "currency": "RUB"}, "vat_code": 1,
            "payment_mode": "advance", "payment_subject": "payment", **extra}


def _payment(provider: Provider, value: str = "100.00", *, item: dict | None = None, **extra: object) -> dict:
    return {"amount": {"value": value, "currency": "RUB"}, "capture": True,
            "confirmation": {"type": "redirect", "return_url": provider.return_url},
            "description": "Контрактный тест", "metadata": {"payment_id": "1"},
            "receipt": {"customer": {"email": "contract@example.ru"}, "items": [item or _item(value)]}, **extra}


def _error(answer: httpx.Response) -> tuple[int, str]:
    body = answer.json()
    assert body["type"] == "error" and body["id"] and body["description"]
    return answer.status_code, body["code"]


def test_create_payment_answers_a_pending_payment(provider: Provider) -> None:
    """https://yookassa.ru/developers/api#create_payment — the payment object, status pending."""
    answer = provider.post("payments", _payment(provider))
    assert answer.status_code == 200
    payment = answer.json()
    assert len(payment["id"]) == 36 and payment["status"] == "pending" and payment["paid"] is False
    assert payment["amount"] == {"value": "100.00", "currency": "RUB"}
    assert payment["metadata"] == {"payment_id": "1"} and payment["test"] is True
    assert payment["confirmation"]["type"] == "redirect" and payment["confirmation"]["confirmation_url"]
    fetched = provider.get(f"payments/{payment['id']}").json()
    assert (fetched["id"], fetched["status"]) == (payment["id"], "pending")


def test_same_key_same_body_is_the_same_payment(provider: Provider) -> None:
    """https://yookassa.ru/developers/using-api/interaction-format#idempotence"""
    key, body = uuid.uuid4().hex, _payment(provider)
    first, second = provider.post("payments", body, key), provider.post("payments", body, key)
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]


def test_same_key_other_body_is_refused(provider: Provider) -> None:
    """https://yookassa.ru/developers/using-api/interaction-format#idempotence — 400 for
    the same key with other parameters within 24 hours."""
    key = uuid.uuid4().hex
    provider.post("payments", _payment(provider), key)
    assert _error(provider.post("payments", _payment(provider, "200.00"), key)) == (400, "invalid_request")


def test_post_without_idempotence_key_is_refused(provider: Provider) -> None:
    """https://yookassa.ru/developers/using-api/interaction-format#idempotence — the key is required."""
    assert _error(provider.post("payments", _payment(provider), with_key=False)) == (400, "invalid_request")


def test_wrong_credentials_are_401(provider: Provider) -> None:
    """https://yookassa.ru/developers/using-api/response-handling/http-codes — 401 invalid_credentials."""
    answer = provider.post("payments", _payment(provider), auth=(provider.auth[0], "wrong_secret"))
    assert _error(answer) == (401, "invalid_credentials")


def test_unknown_payment_is_404(provider: Provider) -> None:
    """https://yookassa.ru/developers/using-api/response-handling/http-codes — 404 not_found."""
    assert _error(provider.get(f"payments/{uuid.uuid4()}")) == (404, "not_found")


@pytest.mark.parametrize("item", [_item(vat_code=99), _item(payment_mode="prepaid_somehow"),
                                  _item(payment_subject="stuff"), _item(description="я" * 129)],
                         ids=["vat_code", "payment_mode", "payment_subject", "description"])
def test_receipt_with_invalid_item_is_refused(provider: Provider, item: dict) -> None:
    """https://yookassa.ru/developers/payment-acceptance/receipts/54fz/yoomoney/parameters-values"""
    assert _error(provider.post("payments", _payment(provider, item=item))) == (400, "invalid_request")


def test_receipt_items_must_add_up_to_the_amount(provider: Provider) -> None:
    """https://yookassa.ru/developers/payment-acceptance/receipts/54fz/yoomoney/basics"""
    body = _payment(provider, "150.00", item=_item("100.00"))
    assert _error(provider.post("payments", body)) == (400, "invalid_request")


def test_amount_with_three_decimals_is_refused(provider: Provider) -> None:
    """https://yookassa.ru/developers/api#create_payment_amount_value — up to two decimals."""
    body = _payment(provider, "100.005", item=_item("100.00"))
    assert _error(provider.post("payments", body)) == (400, "invalid_request")


def test_metadata_over_16_keys_is_refused(provider: Provider) -> None:
    """https://yookassa.ru/developers/using-api/interaction-format#metadata — at most 16 keys."""
    body = _payment(provider, metadata={f"k{i}": "v" for i in range(17)})
    assert _error(provider.post("payments", body)) == (400, "invalid_request")


def test_refund_of_an_unpaid_payment_is_refused(provider: Provider) -> None:
    """https://yookassa.ru/developers/api#create_refund — only a succeeded payment is refunded."""
    payment = provider.post("payments", _payment(provider)).json()
    refund = {"payment_id": payment["id"], "amount": {"value": "100.00", "currency": "RUB"},
              "description": "Контрактный тест"}
    assert _error(provider.post("refunds", refund)) == (400, "invalid_request")


def test_refunds_are_listed_by_payment(provider: Provider) -> None:
    """https://yookassa.ru/developers/api#get_refunds_list — {type: list, items}."""
    payment = provider.post("payments", _payment(provider)).json()
    listed = provider.get("refunds", payment_id=payment["id"])
    assert listed.status_code == 200
    assert listed.json()["type"] == "list" and listed.json()["items"] == []
