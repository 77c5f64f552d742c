"""Invoice and act PDFs: the owner and admins download them with private headers; anyone else
(no session, a forged one, another customer) and any impossible or missing id get the same 404."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pytest
from starlette.applications import Starlette

from ispgo_portal.api import documents as documents_api
from ispgo_portal.api.app import ROUTE_MODULES
from ispgo_portal.clock import to_msk, utcnow
from ispgo_portal.services.billing import closing_documents, invoices, payers
from ispgo_portal.services.licensing import licenses
from tests.services.payer_factories import company_form

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx versions, not about us
    from starlette.testclient import TestClient

NOT_FOUND = (404, "Не найдено")


@pytest.fixture
def client() -> TestClient:
    return TestClient(Starlette(routes=documents_api.routes), base_url="http://localhost:3000")


@pytest.fixture
def studio(make_customer, make_tariff) -> dict[str, int]:
    """A customer with an ООО, an invoice to it and this month's act."""
    user = make_customer(email="studio@example.ru", balance=500_000)
    payer = payers.create_payer(user_id=user, form=company_form())
    invoice = invoices.issue_invoice(user_id=user, form={"payer_id": str(payer), "amount": "10000"})
    licenses.buy_from_balance(user_id=user, tariff_id=make_tariff())
    now = to_msk(utcnow())
    closing_documents.issue_monthly_acts(period=f"{now.year}-{now.month:02d}")
    [act] = closing_documents.list_acts(user_id=user)
    return {"user": user, "invoice": invoice, "act": act.id}


def _get(client: TestClient, path: str, token: str = ""):
    client.cookies.clear()
    if token:
        client.cookies.set("ispgo_session", token)
    return client.get(path)


def _paths(studio: dict[str, int]) -> list[str]:
    return [f"/api/documents/invoices/{studio['invoice']}", f"/api/documents/acts/{studio['act']}"]


def test_document_routes_are_mounted_in_the_portal_api() -> None:
    assert documents_api in ROUTE_MODULES
    assert [r.path for r in documents_api.routes] == [
        "/api/documents/invoices/{invoice_id:int}", "/api/documents/acts/{act_id:int}",
        "/api/documents/reconciliation"]


def test_owner_and_admin_download_the_pdfs(client: TestClient, studio: dict[str, int], make_admin,
                                          session_token: Callable[[int], str]) -> None:
    for token in (session_token(studio["user"]), session_token(make_admin())):
        for path, name in zip(_paths(studio), ("%D0%A1%D1%87%D1%91%D1%82", "%D0%90%D0%BA%D1%82"), strict=True):
            answer = _get(client, path, token)
            assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
            assert answer.headers["content-type"] == "application/pdf"
            assert answer.headers["cache-control"] == "no-store"
            assert f"filename*=UTF-8''{name}" in answer.headers["content-disposition"]


@pytest.mark.parametrize("who", ["anonymous", "forged", "stranger"])
def test_anyone_else_gets_404(client: TestClient, studio: dict[str, int], who: str, make_customer,
                              session_token: Callable[[int], str]) -> None:
    token = {"anonymous": "", "forged": "forged-token-" + "x" * 30,
             "stranger": session_token(make_customer(email="stranger@example.ru"))}[who]
    for path in _paths(studio):
        answer = _get(client, path, token)
        assert (answer.status_code, answer.text) == NOT_FOUND
        assert answer.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("bad_id", ["0", "999999", str(2**31), "99999999999999999999"])
def test_impossible_or_missing_ids_get_404(client: TestClient, studio: dict[str, int], bad_id: str,
                                           session_token: Callable[[int], str]) -> None:
    token = session_token(studio["user"])
    for kind in ("invoices", "acts"):
        answer = _get(client, f"/api/documents/{kind}/{bad_id}", token)
        assert (answer.status_code, answer.text) == NOT_FOUND
