"""The emulator speaks YooKassa's HTTP API: auth, idempotence, ids, error bodies, checkout."""

from __future__ import annotations

import uuid

import httpx
import pytest

from ispgo_portal.payments import EMULATOR_SECRET_KEY, EMULATOR_SHOP_ID
from tests.payments.helpers import wait_until

AUTH = (EMULATOR_SHOP_ID, EMULATOR_SECRET_KEY)


def _body(value: str = "100.00", **extra: object) -> dict:
    return {"amount": {"value": value, "currency": "RUB"}, "capture": True,
            "confirmation": {"type": "redirect", "return_url": "http://localhost:3000/back"},
            "receipt": {"customer": {"email": "c@example.ru"}, "items": [{
                "description": "Пополнение", "quantity": "1.00", "amount": {"value": value, "currency": "RUB"},
                "vat_code": 1, "payment_mode": "advance", "payment_subject": "payment"}]}, **extra}


def _create(control, body: dict, key: str | None = None, auth=AUTH) -> httpx.Response:
    headers = {"Idempotence-Key": key} if key is not None else {}
    return httpx.post(f"{control.base_url}/v3/payments", json=body, auth=auth, headers=headers)


def test_wrong_credentials_get_401_error_body(control) -> None:
    answer = _create(control, _body(), uuid.uuid4().hex, auth=(EMULATOR_SHOP_ID, "wrong"))
    assert answer.status_code == 401
    assert answer.json()["type"] == "error" and answer.json()["code"] == "invalid_credentials"


def test_same_key_same_body_gives_the_same_payment(control) -> None:
    key = uuid.uuid4().hex
    first, second = _create(control, _body(), key), _create(control, _body(), key)
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"] and len(first.json()["id"]) == 36
    assert len(control.payments()) == 1


def test_same_key_other_body_is_400(control) -> None:
    key = uuid.uuid4().hex
    _create(control, _body(), key)
    answer = _create(control, _body("200.00"), key)
    assert answer.status_code == 400
    error = answer.json()
    assert (error["type"], error["code"], error["parameter"]) == ("error", "invalid_request", "Idempotence-Key")


def test_post_without_key_is_400(control) -> None:
    assert _create(control, _body()).status_code == 400


@pytest.mark.parametrize(("body", "parameter"), [
    (_body("0.00"), "amount.value"),
    (_body("1.005"), "amount.value"),
    ({**_body(), "receipt": None}, "receipt"),
    ({**_body(), "amount": {"value": "150.00", "currency": "RUB"}}, "receipt.items"),
])
def test_invalid_payment_is_400_with_parameter(control, body: dict, parameter: str) -> None:
    answer = _create(control, body, uuid.uuid4().hex)
    assert answer.status_code == 400 and answer.json()["parameter"] == parameter


def test_unknown_payment_is_404(control) -> None:
    answer = httpx.get(f"{control.base_url}/v3/payments/{uuid.uuid4()}", auth=AUTH)
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"


def test_checkout_pay_redirects_back_and_notifies(control) -> None:
    control.webhooks(hold=True)
    created = _create(control, _body(), uuid.uuid4().hex).json()
    url = created["confirmation"]["confirmation_url"]
    page = httpx.get(url)
    assert "Оплатить" in page.text and "Отменить" in page.text and "100,00" in page.text

    answer = httpx.post(url, data={"action": "pay"})

    assert (answer.status_code, answer.headers["location"]) == (303, "http://localhost:3000/back")
    paid = httpx.get(f"{control.base_url}/v3/payments/{created['id']}", auth=AUTH).json()
    assert (paid["status"], paid["paid"]) == ("succeeded", True)
    assert control.release() == 1
    assert "Платёж оплачен" in httpx.get(url).text


def test_checkout_cancel_records_the_reason(control) -> None:
    created = _create(control, _body(), uuid.uuid4().hex).json()
    url = created["confirmation"]["confirmation_url"]
    answer = httpx.post(url, data={"action": "cancel", "reason": "3d_secure_failed"})
    assert answer.status_code == 303
    canceled = httpx.get(f"{control.base_url}/v3/payments/{created['id']}", auth=AUTH).json()
    assert canceled["status"] == "canceled"
    assert canceled["cancellation_details"] == {"party": "payment_network", "reason": "3d_secure_failed"}


def test_webhook_sender_retries_until_200(control, make_customer) -> None:
    """Pointed at a URL that refuses (nothing listens there), it keeps trying; the log shows it."""
    control.webhooks(url="http://127.0.0.1:9/nothing", retry_delays=[0.05, 0.05])
    created = _create(control, _body(), uuid.uuid4().hex).json()
    control.pay(created["id"])
    wait_until(lambda: len(control.deliveries()) == 3, what="three attempts")
    assert [d["attempt"] for d in control.deliveries()] == [1, 2, 3]
    assert all(d["outcome"].startswith("error:") for d in control.deliveries())


def test_dropped_notification_is_never_sent(control) -> None:
    control.webhooks(drop=1, url="http://127.0.0.1:9/nothing", retry_delays=[])
    first = _create(control, _body(), uuid.uuid4().hex).json()
    control.pay(first["id"])
    assert [d["outcome"] for d in control.deliveries()] == ["dropped"]


def test_control_api_is_loopback_only() -> None:
    from starlette.requests import Request

    from ispgo_portal.payments.emulator_control import _is_loopback

    assert _is_loopback(Request({"type": "http", "client": ("127.0.0.1", 5)}))
    assert _is_loopback(Request({"type": "http", "client": ("::1", 5)}))
    assert not _is_loopback(Request({"type": "http", "client": ("192.0.2.10", 5)}))
    assert not _is_loopback(Request({"type": "http", "client": None}))
