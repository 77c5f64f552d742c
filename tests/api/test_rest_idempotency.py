"""Idempotency-Key: one key has one effect, even for 20 parallel requests; a replay returns
the first answer; another body is 409; an error releases the key; keys expire after 24 h."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from sqlalchemy import update
from sqlmodel import select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import ApiIdempotencyKey, License
from ispgo_portal.services.billing import ledger as billing
from tests.payments.helpers import balance_of, ledger_of


def _licenses_of(user_id: int) -> int:
    with session_scope() as session:
        return len(session.exec(select(License.id).where(License.user_id == user_id)).all())


def test_twenty_parallel_posts_with_one_key_have_one_effect(customer_api, make_tariff) -> None:
    tariff = make_tariff(price=10_000)
    user, client = customer_api(balance=1_000_000)
    body = {"tariff_id": tariff, "method": "balance"}
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(
            lambda _: client.post("/licenses", json=body, headers={"Idempotency-Key": "buy-1"}), range(20)))
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses if r.status_code != 201]
    assert len({r.text for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 19
    assert _licenses_of(user) == 1
    assert balance_of(user) == 990_000 and [e.kind for e in ledger_of(user)] == ["adjustment", "purchase"]


def test_a_replay_returns_the_first_answer_without_a_second_effect(customer_api, make_tariff) -> None:
    tariff = make_tariff(price=10_000)
    user, client = customer_api(balance=100_000)
    headers = {"Idempotency-Key": "k-1"}
    first = client.post("/licenses", json={"tariff_id": tariff, "method": "balance"}, headers=headers)
    again = client.post("/licenses", json={"method": "balance", "tariff_id": tariff}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert _licenses_of(user) == 1 and balance_of(user) == 90_000
    other = client.post("/licenses", json={"tariff_id": tariff, "method": "balance"})
    assert other.status_code == 201 and _licenses_of(user) == 2  # no key: a new purchase


def test_the_same_key_with_another_body_is_409(customer_api, make_tariff) -> None:
    tariff = make_tariff(price=10_000)
    user, client = customer_api(balance=100_000)
    headers = {"Idempotency-Key": "k-2"}
    assert client.post("/topups", json={"amount": 10_000}, headers=headers).status_code == 202
    reused = client.post("/topups", json={"amount": 20_000}, headers=headers)
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    elsewhere = client.post("/licenses", json={"tariff_id": tariff, "method": "balance"}, headers=headers)
    assert elsewhere.status_code == 409 and _licenses_of(user) == 0


def test_an_error_releases_the_key_so_the_request_can_be_sent_again(customer_api, make_tariff) -> None:
    tariff = make_tariff(price=50_000)
    user, client = customer_api(balance=10_000)
    request = {"json": {"tariff_id": tariff, "method": "balance"}, "headers": {"Idempotency-Key": "k-3"}}
    assert client.post("/licenses", **request).status_code == 402
    with session_scope() as session:
        billing.credit(session, user_id=user, amount=50_000, kind="adjustment", description="тест",
                       reference="test:more-money")
    assert client.post("/licenses", **request).status_code == 201
    assert client.post("/licenses", **request).headers["idempotent-replayed"] == "true"
    assert _licenses_of(user) == 1


def test_keys_belong_to_one_customer_and_expire_after_a_day(customer_api, make_tariff) -> None:
    tariff = make_tariff(price=1_000)
    first_user, first = customer_api(balance=100_000)
    second_user, second = customer_api(balance=100_000)
    request = {"json": {"tariff_id": tariff, "method": "balance"}, "headers": {"Idempotency-Key": "same"}}
    assert first.post("/licenses", **request).status_code == 201
    assert second.post("/licenses", **request).status_code == 201
    assert _licenses_of(first_user) == _licenses_of(second_user) == 1
    with session_scope() as session:
        session.exec(update(ApiIdempotencyKey).values(created_at=utcnow() - timedelta(hours=25)))
    fresh = first.post("/licenses", **request)
    assert fresh.status_code == 201 and "idempotent-replayed" not in fresh.headers
    assert _licenses_of(first_user) == 2


def test_an_overlong_key_is_refused(customer_api) -> None:
    _user, client = customer_api()
    response = client.post("/topups", json={"amount": 10_000}, headers={"Idempotency-Key": "k" * 256})
    assert response.status_code == 422 and response.json()["code"] == "validation_error"


def test_after_an_unexpected_failure_the_key_is_not_run_again(customer_api, make_tariff, monkeypatch) -> None:
    from ispgo_portal.services.rest import idempotency as api_idempotency
    from ispgo_portal.services.rest import tokens as api_tokens

    tariff = make_tariff(price=10_000)
    user, client = customer_api(balance=100_000)

    def broken(**_kwargs) -> None:
        raise RuntimeError("the audit write failed after the purchase")

    monkeypatch.setattr(api_tokens, "record_api_action", broken)
    monkeypatch.setattr(api_idempotency, "WAIT_FOR_FIRST", 0.3)
    request = {"json": {"tariff_id": tariff, "method": "balance"}, "headers": {"Idempotency-Key": "k-4"}}
    try:
        failed = client.post("/licenses", **request).status_code
    except httpx.HTTPError:  # this test server drops the connection on an unhandled error
        failed = 500
    assert failed == 500 and _licenses_of(user) == 1  # the purchase itself went through
    monkeypatch.undo()
    monkeypatch.setattr(api_idempotency, "WAIT_FOR_FIRST", 0.3)
    with httpx.Client(base_url=client.base_url, headers=client.headers, timeout=30) as fresh:
        retry = fresh.post("/licenses", **request)
    assert retry.status_code == 409 and retry.json()["reason"] == "idempotency_in_progress"
    assert _licenses_of(user) == 1 and balance_of(user) == 90_000
