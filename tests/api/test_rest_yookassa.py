"""REST API money through YooKassa (the real SDK against the emulator): a top-up, a purchase
and a renewal answer 202 with the payment; paying it at the checkout settles it once."""

from __future__ import annotations

import os

from tests.payments.helpers import balance_of, payment_row, wait_until


def _pay(control, payment_id: int) -> None:
    control.pay(payment_row(payment_id).yookassa_id)
    wait_until(lambda: payment_row(payment_id).status == "succeeded", what="the payment to settle")


def test_topup_through_yookassa(customer_api, control) -> None:
    user, client = customer_api()
    response = client.post("/topups", json={"amount": 25_000}, headers={"Idempotency-Key": "top-1"})
    assert response.status_code == 202, response.text
    payment = response.json()
    assert payment["status"] == "pending" and payment["purpose"] == "topup" and payment["amount"] == 25_000
    assert payment["confirmation_url"].startswith("http")
    _pay(control, payment["id"])
    assert client.get(f"/payments/{payment['id']}").json()["status"] == "succeeded"
    assert client.get("/me").json()["balance"] == 25_000 == balance_of(user)
    again = client.post("/topups", json={"amount": 25_000}, headers={"Idempotency-Key": "top-1"})
    assert again.json()["id"] == payment["id"] and len(control.payments()) == 1


def test_a_topup_below_the_minimum_is_422(customer_api, control) -> None:
    _user, client = customer_api()
    response = client.post("/topups", json={"amount": 99})
    assert response.status_code == 422 and response.json()["field"] == "amount"
    assert control.payments() == []


def test_buy_and_renew_through_yookassa(customer_api, make_tariff, control) -> None:
    tariff = make_tariff(price=30_000)
    user, client = customer_api()
    bought = client.post("/licenses", json={"tariff_id": tariff, "method": "yookassa"})
    assert bought.status_code == 202, bought.text
    payment = bought.json()["payment"]
    assert payment["purpose"] == "purchase" and payment["amount"] == 30_000
    assert client.get("/licenses").json()["items"] == []  # the license appears when paid
    _pay(control, payment["id"])
    [lic] = client.get("/licenses").json()["items"]
    assert lic["status"] == "active" and balance_of(user) == 0
    renewal = client.post(f"/licenses/{lic['id']}/renew", json={"method": "yookassa"})
    assert renewal.status_code == 202 and renewal.json()["payment"]["purpose"] == "renewal"
    _pay(control, renewal.json()["payment"]["id"])
    assert client.get(f"/licenses/{lic['id']}").json()["expires_at"] > lic["expires_at"]
    assert balance_of(user) == 0


def test_yookassa_unavailable_is_503_with_retry_after_and_no_money_moves(customer_api, control) -> None:
    user, client = customer_api()
    control.fail_next("500", count=10)
    response = client.post("/topups", json={"amount": 10_000}, headers={"Idempotency-Key": "down"})
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "payment_gateway_unavailable" and response.headers["retry-after"]
    assert balance_of(user) == 0
    control.reset()  # YooKassa is back
    retried = client.post("/topups", json={"amount": 10_000}, headers={"Idempotency-Key": "down"})
    assert retried.status_code == 202  # the failed attempt released its key


def test_the_payer_returns_to_the_callers_return_url(customer_api, make_tariff, control) -> None:
    tariff = make_tariff(price=30_000)
    _user, client = customer_api()
    back = "https://billing.example.ru/paid?order=42"
    # YooKassa takes any http(s) address; the emulator only the origins it is told are the
    # shop's (its checkout lives on the portal's origin): the reseller's site is one here.
    portal = os.environ["BASE_URL"].rstrip("/")
    control.configure(return_origins=[portal, "https://billing.example.ru"])
    topup = client.post("/topups", json={"amount": 10_000, "return_url": back}).json()
    bought = client.post("/licenses", json={"tariff_id": tariff, "method": "yookassa", "return_url": back})
    ours = client.post("/topups", json={"amount": 10_000}).json()
    returns = {p["metadata"]["payment_id"]: p["confirmation"]["return_url"] for p in control.payments()}
    assert returns[str(topup["id"])] == back == returns[str(bought.json()["payment"]["id"])]
    assert returns[str(ours["id"])].endswith(f"/payments/return?payment={ours['id']}")
    refused = client.post("/topups", json={"amount": 10_000, "return_url": "javascript:alert(1)"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "return_url"
    # An address the payment system refuses is the caller's input: 422 on the field, not a 5xx.
    foreign = client.post("/topups", json={"amount": 10_000, "return_url": "https://elsewhere.example/x"})
    assert foreign.status_code == 422, foreign.text
    assert (foreign.json()["field"], foreign.json()["reason"]) == ("return_url", "return_url_rejected")
    control.configure(return_origins=[portal])
