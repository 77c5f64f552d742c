"""GET /api/ledger/export.csv: the signed-in customer's own history, streamed."""

from __future__ import annotations

import httpx

from ispgo_portal.db import session_scope
from ispgo_portal.services.billing import ledger as billing


def _book(user_id: int, amount: int, ref: str, kind: str = "topup") -> None:
    with session_scope() as session:
        billing.credit(session, user_id=user_id, amount=amount, kind=kind, description=f"Операция {ref}",
                       reference=ref)


def test_export_needs_a_session(portal_api) -> None:
    answer = httpx.get(f"{portal_api.url}/api/ledger/export.csv")
    assert answer.status_code == 401
    forged = httpx.get(f"{portal_api.url}/api/ledger/export.csv", cookies={"ispgo_session": "x" * 43})
    assert forged.status_code == 401


def test_export_has_only_own_rows_with_filters(portal_api, make_customer, session_token) -> None:
    mine, theirs = make_customer(), make_customer()
    _book(mine, 15_050, "mine-topup")
    _book(mine, 500, "mine-adjustment", kind="adjustment")
    _book(theirs, 99_900, "theirs")
    cookies = {"ispgo_session": session_token(mine)}

    everything = httpx.get(f"{portal_api.url}/api/ledger/export.csv", cookies=cookies)
    assert everything.status_code == 200
    assert everything.headers["content-type"].startswith("text/csv")
    assert "attachment" in everything.headers["content-disposition"]
    assert "Операция mine-topup" in everything.text and "theirs" not in everything.text

    topups = httpx.get(f"{portal_api.url}/api/ledger/export.csv", params={"kind": "topup"}, cookies=cookies)
    assert "mine-topup" in topups.text and "mine-adjustment" not in topups.text


def test_export_with_bad_filter_is_400(portal_api, make_customer, session_token) -> None:
    cookies = {"ispgo_session": session_token(make_customer())}
    answer = httpx.get(f"{portal_api.url}/api/ledger/export.csv", params={"from": "soon"}, cookies=cookies)
    assert answer.status_code == 400 and answer.json()["field"] == "date_from"
