"""The emulator refuses what YooKassa refuses and answers what YooKassa answers: key
lifetime, receipts, metadata, return URLs, the payment lifecycle, refund outcomes and
24 hours of notification retries. Raw HTTP, so the API itself is what is checked."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest

from ispgo_portal.payments import EMULATOR_SECRET_KEY, EMULATOR_SHOP_ID
from tests.payments.helpers import wait_until

AUTH = (EMULATOR_SHOP_ID, EMULATOR_SECRET_KEY)
DAY = 86_400


def _item(value: str = "100.00", **extra: object) -> dict:
    return {"description": "Пополнение", "quantity": "1.00", "amount": {"value": value, "currency": "RUB"},
            "vat_code": 1, "payment_mode": "advance", "payment_subject": "payment", **extra}


def _body(value: str = "100.00", *, capture: bool = True, item: dict | None = None, **extra: object) -> dict:
    return {"amount": {"value": value, "currency": "RUB"}, "capture": capture,
            "confirmation": {"type": "redirect", "return_url": "http://localhost:3000/payments/return"},
            "receipt": {"customer": {"email": "c@example.ru"}, "items": [item or _item(value)]}, **extra}


def _post(control, path: str, body: dict, key: str | None = None) -> httpx.Response:
    return httpx.post(f"{control.base_url}/v3/{path}", json=body, auth=AUTH,
                      headers={"Idempotence-Key": key or uuid.uuid4().hex}, timeout=30)


def _paid(control, value: str = "100.00") -> dict:
    created = _post(control, "payments", _body(value)).json()
    control.pay(created["id"])
    return created


def _refund(control, payment_id: str, value: str, *, receipt: bool = True, key: str | None = None,
            description: str = "Возврат") -> httpx.Response:
    body: dict = {"payment_id": payment_id, "amount": {"value": value, "currency": "RUB"},
                  "description": description}
    if receipt:
        body["receipt"] = {"customer": {"email": "c@example.ru"}, "items": [_item(value)]}
    return _post(control, "refunds", body, key)


def _refund_events(control) -> list[str]:
    return [d["event"] for d in control.deliveries() if d["event"].startswith("refund.")]


def _error(answer: httpx.Response) -> tuple[int, str, str]:
    body = answer.json()
    assert body["type"] == "error"
    return answer.status_code, body["code"], body.get("parameter", "")


# --- idempotence keys live 24 hours -------------------------------------------------------

def test_key_is_remembered_within_a_day(control) -> None:
    """https://yookassa.ru/developers/using-api/interaction-format#idempotence"""
    key = uuid.uuid4().hex
    _post(control, "payments", _body(), key)
    control.advance(DAY - 60)
    assert _error(_post(control, "payments", _body("200.00", item=_item("200.00")), key)) == (
        400, "invalid_request", "Idempotence-Key")


def test_key_expires_after_a_day_and_is_a_new_request(control) -> None:
    key = uuid.uuid4().hex
    first = _post(control, "payments", _body(), key).json()
    control.advance(DAY)
    second = _post(control, "payments", _body(), key)
    assert second.status_code == 200 and second.json()["id"] != first["id"]
    assert len(control.payments()) == 2


def test_second_request_while_the_first_runs_gets_202(control) -> None:
    """https://yookassa.ru/developers/using-api/response-handling/response-format (202)"""
    key = uuid.uuid4().hex
    control.fail_next("hang", target="create_payment", seconds=1.5)
    first: list[httpx.Response] = []
    worker = threading.Thread(target=lambda: first.append(_post(control, "payments", _body(), key)))
    worker.start()
    wait_until(lambda: control.calls().get("create_payment") == 1, what="first request in flight")
    second = _post(control, "payments", _body(), key)
    worker.join()
    assert second.status_code == 202
    assert second.json()["type"] == "processing" and second.json()["retry_after"] > 0
    assert first[0].status_code == 200
    assert _post(control, "payments", _body(), key).json()["id"] == first[0].json()["id"]
    assert len(control.payments()) == 1


def test_processing_fault_answers_202_and_does_nothing(control) -> None:
    control.fail_next("processing_202", target="create_payment", retry_after=1800)
    answer = _post(control, "payments", _body())
    assert (answer.status_code, answer.json()["type"], answer.json()["retry_after"]) == (202, "processing", 1800)
    assert control.payments() == []


# --- 54-FZ receipts -----------------------------------------------------------------------

@pytest.mark.parametrize(("item", "parameter"), [
    (_item(vat_code=99), "receipt.items[0].vat_code"),
    (_item(payment_mode="prepaid_somehow"), "receipt.items[0].payment_mode"),
    (_item(payment_subject="stuff"), "receipt.items[0].payment_subject"),
    (_item(description="я" * 129), "receipt.items[0].description"),
    (_item(quantity="0"), "receipt.items[0].quantity"),
])
def test_strict_receipt_is_refused_with_the_parameter(control, item: dict, parameter: str) -> None:
    """https://yookassa.ru/developers/payment-acceptance/receipts/54fz/yoomoney/parameters-values"""
    body = _body(item=item)
    body["receipt"]["tax_system_code"] = 1  # a tax system does not excuse a wrong vat_code
    assert _error(_post(control, "payments", body)) == (400, "invalid_request", parameter)
    assert control.payments() == []


def test_partial_refund_without_receipt_is_refused(control) -> None:
    """https://yookassa.ru/developers/payment-acceptance/receipts/54fz/other-services/refunds"""
    paid = _paid(control)
    assert _error(_refund(control, paid["id"], "40.00", receipt=False)) == (400, "invalid_request", "receipt")
    assert _refund(control, paid["id"], "40.00").status_code == 200
    assert _refund(control, paid["id"], "60.00", receipt=False).status_code == 200  # the rest: YooKassa's receipt


# --- metadata, description, unknown and unsafe parameters ----------------------------------

@pytest.mark.parametrize("metadata", [
    {f"k{i}": "v" for i in range(17)},
    {"k" * 33: "v"},
    {"key": "v" * 513},
    {"key": 5},
])
def test_metadata_limits(control, metadata: dict) -> None:
    """https://yookassa.ru/developers/using-api/interaction-format#metadata"""
    assert _error(_post(control, "payments", _body(metadata=metadata))) == (400, "invalid_request", "metadata")


def test_metadata_at_the_limits_is_accepted(control) -> None:
    metadata = {f"{i:02d}" + "k" * 30: "v" * 512 for i in range(16)}
    assert _post(control, "payments", _body(metadata=metadata)).status_code == 200


def test_description_over_128_characters_is_refused(control) -> None:
    assert _error(_post(control, "payments", _body(description="я" * 129))) == (
        400, "invalid_request", "description")


@pytest.mark.parametrize(("extra", "expected"), [
    ({"payment_method_id": str(uuid.uuid4())}, (400, "invalid_request", "payment_method_id")),
    ({"save_payment_method": "yes"}, (400, "invalid_request", "save_payment_method")),
    ({"transfers": [{"account_id": "1", "amount": {"value": "100.00", "currency": "RUB"}}]},
     (400, "invalid_request", "transfers")),
])
def test_parameters_not_emulated_are_refused_not_ignored(control, extra: dict, expected: tuple) -> None:
    assert _error(_post(control, "payments", _body(**extra))) == expected


@pytest.mark.parametrize("url", [
    "javascript:alert(document.cookie)",
    "https://evil.example/steal",
    "http://localhost:3000.evil.example/x",
    "//evil.example/x",
    "data:text/html,<script>alert(1)</script>",
])
def test_return_url_must_be_the_shops_own_http_origin(control, url: str) -> None:
    body = _body()
    body["confirmation"]["return_url"] = url
    assert _error(_post(control, "payments", body)) == (400, "invalid_request", "confirmation.return_url")
    assert control.payments() == []


def test_checkout_escapes_what_it_renders(control) -> None:
    created = _post(control, "payments", _body(description='<script>alert("x")</script>')).json()
    page = httpx.get(created["confirmation"]["confirmation_url"]).text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)" in page


# --- lifecycle ------------------------------------------------------------------------------

def test_waiting_for_capture_has_expires_at_and_expires_on_capture(control) -> None:
    """https://yookassa.ru/developers/payment-acceptance/getting-started/payment-process#capture-and-cancel"""
    control.webhooks(hold=True)
    created = _post(control, "payments", _body(capture=False)).json()
    waiting = control.pay(created["id"])
    assert waiting["status"] == "waiting_for_capture" and waiting["expires_at"]
    control.advance(7 * DAY)
    wait_until(lambda: [d["event"] for d in control.deliveries()][-1:] == ["payment.canceled"],
               what="payment.canceled pushed")
    fetched = httpx.get(f"{control.base_url}/v3/payments/{created['id']}", auth=AUTH).json()
    assert fetched["cancellation_details"] == {"party": "yoo_money", "reason": "expired_on_capture"}
    assert _error(_post(control, f"payments/{created['id']}/capture", {})) == (400, "invalid_request", "payment_id")


def test_unpaid_payment_expires_on_time_unread(control) -> None:
    control.webhooks(hold=True)
    control.configure(confirmation_timeout=0.3)
    created = _post(control, "payments", _body()).json()
    wait_until(lambda: any(d["event"] == "payment.canceled" and d["object_id"] == created["id"]
                           for d in control.deliveries()), what="payment.canceled without a read")


def test_confirmation_is_gone_after_payment(control) -> None:
    created = _post(control, "payments", _body()).json()
    assert "confirmation" in created
    control.pay(created["id"])
    fetched = httpx.get(f"{control.base_url}/v3/payments/{created['id']}", auth=AUTH).json()
    assert fetched["status"] == "succeeded" and "confirmation" not in fetched


# --- refunds end in any of YooKassa's ways ----------------------------------------------------

def test_refund_can_be_pending_then_succeeded(control) -> None:
    """https://yookassa.ru/developers/api#refund_object"""
    paid = _paid(control)
    control.webhooks(hold=True)
    control.next_refunds("pending")
    refund = _refund(control, paid["id"], "100.00").json()
    assert refund["status"] == "pending"
    assert _refund_events(control) == []  # nothing is notified for a pending refund
    control.resolve_refund(refund["id"], "succeeded")
    fetched = httpx.get(f"{control.base_url}/v3/refunds/{refund['id']}", auth=AUTH).json()
    assert fetched["status"] == "succeeded"
    assert _refund_events(control) == ["refund.succeeded"]


@pytest.mark.parametrize("reason", ["insufficient_funds", "rejected_by_payee", "yoo_money_account_closed"])
def test_refund_can_be_canceled_with_a_reason(control, reason: str) -> None:
    paid = _paid(control)
    control.next_refunds("canceled", reason=reason)
    refund = _refund(control, paid["id"], "100.00").json()
    assert refund["status"] == "canceled" and refund["cancellation_details"]["reason"] == reason
    payment = httpx.get(f"{control.base_url}/v3/payments/{paid['id']}", auth=AUTH).json()
    assert "refunded_amount" not in payment  # nothing left the shop: the amount is refundable again
    assert _refund(control, paid["id"], "100.00").json()["status"] == "succeeded"


def test_refund_succeeded_notification_may_carry_a_pending_object(control) -> None:
    paid = _paid(control)
    control.webhooks(hold=True)
    control.next_refunds("pending", notify_pending=True)
    refund = _refund(control, paid["id"], "100.00").json()
    assert _refund_events(control) == ["refund.succeeded"]
    assert refund["status"] == "pending"


def test_refunds_are_listed_by_payment_newest_first(control) -> None:
    """https://yookassa.ru/developers/api#get_refunds_list"""
    paid, other = _paid(control), _paid(control)
    first = _refund(control, paid["id"], "30.00").json()
    second = _refund(control, paid["id"], "70.00").json()
    _refund(control, other["id"], "100.00")
    listed = httpx.get(f"{control.base_url}/v3/refunds", params={"payment_id": paid["id"]}, auth=AUTH).json()
    assert listed["type"] == "list" and [r["id"] for r in listed["items"]] == [second["id"], first["id"]]


# --- notifications are retried for 24 hours ---------------------------------------------------

def test_notification_retries_span_a_day() -> None:
    """https://yookassa.ru/developers/using-api/webhooks#delivery (24 hours of retries)"""
    from ispgo_portal.payments.emulator_store import DAY_OF_RETRIES, EmulatorConfig

    assert DAY - 3600 <= sum(EmulatorConfig().retry_delays) <= DAY + 3600
    assert EmulatorConfig().retry_delays == DAY_OF_RETRIES


def test_notification_is_retried_over_the_compressed_day(control) -> None:
    from ispgo_portal.payments.emulator_store import DAY_OF_RETRIES

    control.webhooks(url="http://127.0.0.1:9/nothing", retry_delays=list(DAY_OF_RETRIES), retry_scale=0.00002)
    paid = _paid(control)
    attempts = len(DAY_OF_RETRIES) + 1
    wait_until(lambda: len(control.deliveries()) == attempts, what="a day of attempts", timeout=30)
    assert [d["attempt"] for d in control.deliveries()] == list(range(1, attempts + 1))
    assert {d["object_id"] for d in control.deliveries()} == {paid["id"]}
