"""Fixtures for the customer REST API tests: the portal's HTTP app on a real server (with
the YooKassa emulator behind the real SDK) and tokens for customers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.payments.conftest import control, emulator, portal_api  # noqa: F401 - shared fixtures


@pytest.fixture
def make_token() -> Callable[..., str]:
    """make_token(user_id, scopes="read,write", expires_at=None) -> a raw API token."""
    from ispgo_portal.services.rest import tokens as api_tokens

    def factory(user_id: int, scopes: str = "read,write", **kwargs) -> str:
        return api_tokens.create_token(user_id=user_id, name="тест", scopes=scopes, **kwargs).token

    return factory


@pytest.fixture
def api(portal_api) -> Iterator[Callable[..., httpx.Client]]:  # noqa: F811
    """api(token=None) -> an httpx client for {server}/api/v1 with that Bearer token."""
    clients: list[httpx.Client] = []

    def factory(token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=f"{portal_api.url}/api/v1", headers=headers, timeout=60)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def customer_api(make_customer, make_token, api) -> Callable[..., tuple[int, httpx.Client]]:
    """customer_api(balance=..., scopes=...) -> (user id, client authorised as that customer)."""
    def factory(*, scopes: str = "read,write", **kwargs) -> tuple[int, httpx.Client]:
        user_id = make_customer(**kwargs)
        return user_id, api(make_token(user_id, scopes))

    return factory
