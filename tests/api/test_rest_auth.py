"""REST API access: no token, a bad, revoked or expired token (401), a read-only token on
every write (403), the per-token rate limit (429), problem+json errors, the public OpenAPI
document, and the panel license paths still answering as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import ApiToken
from ispgo_portal.services.rest import tokens as api_tokens
from ispgo_portal.settings import get_settings

READS = [("GET", "/me"), ("GET", "/ledger"), ("GET", "/tariffs"), ("GET", "/licenses"),
         ("GET", "/licenses/1"), ("GET", "/payments/1"), ("GET", "/tickets"), ("GET", "/tickets/1")]
WRITES = [
    ("POST", "/licenses", {"tariff_id": 1, "method": "balance"}),
    ("POST", "/licenses/1/renew", {"method": "balance"}),
    ("PATCH", "/licenses/1", {"auto_renew": True}),
    ("DELETE", "/licenses/1", None),
    ("DELETE", "/licenses/1/servers/1", None),
    ("POST", "/topups", {"amount": 10_000}),
    ("POST", "/tickets", {"category": "billing", "priority": "low", "subject": "Тема",
                          "description": "Достаточно длинное описание"}),
    ("POST", "/tickets/1/messages", {"text": "Ответ"}),
    ("POST", "/tickets/1/archive", None),
]
ALL = [(m, p, None) for m, p in READS] + WRITES


def _assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["code"] == code and body["title"] and body["type"]
    assert any("а" <= ch <= "я" for ch in body["detail"].lower()), body["detail"]  # Russian
    return body


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_every_endpoint_needs_a_token(api, method, path, body) -> None:
    response = api().request(method, path, json=body)
    _assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_unknown_token_is_401(api) -> None:
    _assert_problem(api("ispgo_" + "x" * 43).get("/me"), 401, "unauthorized")
    _assert_problem(api("not-a-token").get("/me"), 401, "unauthorized")


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_revoked_token_is_401_everywhere(make_customer, api, method, path, body) -> None:
    user = make_customer(balance=1_000_000)
    created = api_tokens.create_token(user_id=user, name="t", scopes="read,write")
    client = api(created.token)
    assert client.get("/me").status_code == 200
    api_tokens.revoke_token(user_id=user, token_id=created.id)
    _assert_problem(client.request(method, path, json=body), 401, "unauthorized")


@pytest.mark.parametrize(("method", "path", "body"), ALL)
def test_expired_token_is_401_everywhere(make_customer, make_token, api, method, path, body) -> None:
    user = make_customer(balance=1_000_000)
    client = api(make_token(user, expires_at=utcnow() + timedelta(hours=1)))
    assert client.get("/me").status_code == 200
    with session_scope() as session:
        for row in session.exec(select(ApiToken)).all():
            row.expires_at = utcnow() - timedelta(seconds=1)
            session.add(row)
    body_ = _assert_problem(client.request(method, path, json=body), 401, "unauthorized")
    assert "истёк" in body_["detail"]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_read_only_token_cannot_write(customer_api, method, path, body) -> None:
    _user, client = customer_api(balance=1_000_000, scopes="read")
    _assert_problem(client.request(method, path, json=body), 403, "forbidden_scope")
    assert client.get("/me").status_code == 200


def test_write_only_token_cannot_read(customer_api) -> None:
    _user, client = customer_api(scopes="write")
    _assert_problem(client.get("/me"), 403, "forbidden_scope")


def test_rate_limit_per_token_answers_429_with_retry_after(customer_api, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "api_rate_per_token", 3)
    _user, client = customer_api()
    _other, other_client = customer_api()
    codes = [client.get("/me").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/me")
    _assert_problem(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1
    assert other_client.get("/me").status_code == 200  # the limit is per token


def test_validation_errors_are_problem_json_in_russian(customer_api) -> None:
    _user, client = customer_api()
    body = _assert_problem(client.post("/topups", json={"amount": "много"}), 422, "validation_error")
    assert body["errors"][0]["field"] == "amount"
    _assert_problem(client.get("/ledger", params={"limit": 101}), 422, "validation_error")
    _assert_problem(client.get("/ledger", params={"cursor": "garbage!"}), 422, "validation_error")


def test_unknown_api_path_is_a_problem_404(customer_api) -> None:
    _user, client = customer_api()
    _assert_problem(client.get("/no-such-thing"), 404, "not_found")


def test_openapi_document_is_public_and_3_1(api) -> None:
    response = api().get("/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.1")
    assert "/api/v1/licenses/{license_id}/renew" in doc["paths"]
    assert "/api/v1/licenses/activate" not in doc["paths"]
    assert doc["paths"]["/api/v1/me"]["get"]["x-scope"] == "read"
    assert "Problem" in doc["components"]["schemas"]


def test_panel_license_paths_are_matched_first(api) -> None:
    client = api()
    public = client.get("/licenses/public-key")
    assert public.status_code == 200 and public.json()["algorithm"] == "Ed25519"
    validate = client.post("/licenses/validate", json={"key": "NOPE", "fingerprint": "f"})
    assert validate.json()["code"] == "not_found" and "x-signature" in validate.headers
