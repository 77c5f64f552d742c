"""Every REST endpoint as its owner, and as another customer (404, nothing changes)."""

from __future__ import annotations

import re

from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import AuditLog, LicenseActivation, Ticket
from ispgo_portal.services.licensing import panel_api as license_api
from ispgo_portal.services.support import queue as ticket_queue
from tests.payments.helpers import balance_of, ledger_of

Z_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def _buy(client, tariff_id: int) -> dict:
    response = client.post("/licenses", json={"tariff_id": tariff_id, "method": "balance"})
    assert response.status_code == 201, response.text
    return response.json()


def test_me_shows_balance_credit_and_discount(customer_api) -> None:
    user, client = customer_api(balance=-5_000, credit_limit=20_000, discount=7)
    me = client.get("/me").json()
    assert me["id"] == user and me["balance"] == -5_000 and me["credit_limit"] == 20_000
    assert me["credit_used"] == 5_000 and me["available"] == 15_000 and me["discount_percent"] == 7


def test_tariffs_lists_those_on_sale(customer_api, make_tariff) -> None:
    on_sale = make_tariff(name="Pro", price=99_900, max_servers=3)
    make_tariff(name="Old", is_active=False)
    _user, client = customer_api()
    items = client.get("/tariffs").json()["items"]
    assert [t["id"] for t in items] == [on_sale]
    assert items[0] == {"id": on_sale, "name": "Pro", "price": 99_900, "period_days": 30, "max_servers": 3,
                        "max_sites": 0, "description": "Тестовый тариф"}


def test_buy_from_balance_charges_once_and_audits_the_token(customer_api, make_tariff) -> None:
    tariff = make_tariff(price=100_000)
    user, client = customer_api(balance=150_000)
    lic = _buy(client, tariff)
    assert lic["status"] == "active" and lic["tariff"]["id"] == tariff and Z_TIME.match(lic["expires_at"])
    assert balance_of(user) == 50_000
    with session_scope() as session:
        audit = session.exec(select(AuditLog)).one()
    assert audit.action == "api.license_buy" and audit.target_user_id == user and "тест" in audit.reason


def test_buy_without_enough_money_is_402_and_changes_nothing(customer_api, make_tariff) -> None:
    tariff = make_tariff(price=100_000)
    user, client = customer_api(balance=10_000)
    response = client.post("/licenses", json={"tariff_id": tariff, "method": "balance"})
    assert response.status_code == 402 and response.json()["code"] == "insufficient_funds"
    assert "Недостаточно средств" in response.json()["detail"]
    assert balance_of(user) == 10_000 and client.get("/licenses").json()["items"] == []


def test_unknown_tariff_is_404(customer_api) -> None:
    _user, client = customer_api(balance=10_000)
    response = client.post("/licenses", json={"tariff_id": 999, "method": "balance"})
    assert response.status_code == 404 and response.json()["reason"] == "tariff_not_found"


def test_license_read_renew_switch_and_delete(customer_api, make_tariff) -> None:
    tariff = make_tariff(price=10_000)
    user, client = customer_api(balance=100_000)
    lic = _buy(client, tariff)
    assert client.get(f"/licenses/{lic['id']}").json() == lic
    renewed = client.post(f"/licenses/{lic['id']}/renew", json={"method": "balance"})
    assert renewed.status_code == 200 and renewed.json()["expires_at"] > lic["expires_at"]
    assert [e.kind for e in ledger_of(user)][-2:] == ["purchase", "renewal"]
    patched = client.patch(f"/licenses/{lic['id']}", json={"auto_renew": True})
    assert patched.status_code == 200 and patched.json()["auto_renew"] is True
    refused = client.delete(f"/licenses/{lic['id']}")
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"


def test_disconnect_a_server(customer_api, make_tariff) -> None:
    user, client = customer_api(balance=100_000)
    lic = _buy(client, make_tariff(price=10_000, max_servers=2))
    license_api.activate_license(key=lic["key"], fingerprint="fp-1", hostname="web1.example.ru")
    server = client.get(f"/licenses/{lic['id']}").json()["servers"][0]
    assert server["hostname"] == "web1.example.ru" and Z_TIME.match(server["activated_at"])
    assert client.delete(f"/licenses/{lic['id']}/servers/{server['id']}").status_code == 204
    assert client.get(f"/licenses/{lic['id']}").json()["servers"] == []
    assert client.delete(f"/licenses/{lic['id']}/servers/{server['id']}").status_code == 404


def test_licenses_are_paged_with_a_cursor(customer_api, make_tariff) -> None:
    tariff = make_tariff(price=100)
    _user, client = customer_api(balance=100_000)
    ids = [_buy(client, tariff)["id"] for _ in range(5)]
    first = client.get("/licenses", params={"limit": 2}).json()
    second = client.get("/licenses", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    third = client.get("/licenses", params={"limit": 2, "cursor": second["next_cursor"]}).json()
    seen = [i["id"] for page in (first, second, third) for i in page["items"]]
    assert seen == ids[::-1] and third["next_cursor"] is None


def test_ledger_is_newest_first_filtered_and_paged(customer_api, make_tariff) -> None:
    tariff = make_tariff(price=100)
    user, client = customer_api(balance=100_000)
    for _ in range(3):
        _buy(client, tariff)
    page = client.get("/ledger", params={"limit": 2}).json()
    assert [i["kind"] for i in page["items"]] == ["purchase", "purchase"] and page["next_cursor"]
    rest = client.get("/ledger", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [i["kind"] for i in rest["items"]] == ["purchase", "adjustment"] and rest["next_cursor"] is None
    only = client.get("/ledger", params={"kind": "adjustment"}).json()["items"]
    assert len(only) == 1 and only[0]["amount"] == 100_000 and Z_TIME.match(only[0]["created_at"])
    assert client.get("/ledger", params={"kind": "bogus"}).status_code == 422
    assert client.get("/ledger", params={"from": "2000-01-01", "to": "2000-01-02"}).json()["items"] == []


def test_ticket_create_read_reply_archive(customer_api, make_admin) -> None:
    user, client = customer_api()
    created = client.post("/tickets", json={"category": "billing", "priority": "high",
                                            "subject": "Счёт для бухгалтерии",
                                            "description": "Пришлите, пожалуйста, закрывающие документы"})
    assert created.status_code == 201, created.text
    ticket = created.json()
    assert ticket["status"] == "open" and ticket["number"] == ticket["id"] and ticket["replies"] == 0
    assert ticket["messages"][0]["author"] == "customer"
    ticket_queue.reply_as_support(admin_id=make_admin(), ticket_id=ticket["id"], text="Отправили на почту")
    listed = client.get("/tickets").json()["items"]
    assert [t["id"] for t in listed] == [ticket["id"]] and listed[0]["replies"] == 1
    thread = client.get(f"/tickets/{ticket['id']}").json()
    assert [m["author"] for m in thread["messages"]] == ["customer", "support"]
    reply = client.post(f"/tickets/{ticket['id']}/messages", json={"text": "Спасибо!"})
    assert reply.status_code == 201 and reply.json()["text"] == "Спасибо!"
    archived = client.post(f"/tickets/{ticket['id']}/archive")
    assert archived.status_code == 200 and archived.json()["status"] == "closed"
    assert client.get("/tickets").json()["items"] == []
    assert [t["id"] for t in client.get("/tickets", params={"archived": "true"}).json()["items"]] == [ticket["id"]]
    closed = client.post(f"/tickets/{ticket['id']}/messages", json={"text": "Ещё вопрос"})
    assert closed.status_code == 409 and closed.json()["reason"] == "ticket_closed"


def test_bad_ticket_form_is_422_naming_the_field(customer_api) -> None:
    _user, client = customer_api()
    response = client.post("/tickets", json={"category": "billing", "priority": "low", "subject": "Тема",
                                             "description": "коротко"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "description"


def test_another_customers_objects_are_404_and_unchanged(customer_api, make_tariff) -> None:
    tariff = make_tariff(price=10_000)
    owner, owner_client = customer_api(balance=100_000)
    lic = _buy(owner_client, tariff)
    license_api.activate_license(key=lic["key"], fingerprint="fp-1", hostname="h")
    server_id = owner_client.get(f"/licenses/{lic['id']}").json()["servers"][0]["id"]
    ticket = owner_client.post("/tickets", json={"category": "general", "priority": "low", "subject": "Тема",
                                                 "description": "Описание вопроса клиента"}).json()
    topup = owner_client.post("/topups", json={"amount": 10_000})
    assert topup.status_code == 202, topup.text
    intruder, client = customer_api(balance=100_000)
    attempts = [
        client.get(f"/licenses/{lic['id']}"),
        client.post(f"/licenses/{lic['id']}/renew", json={"method": "balance"}),
        client.patch(f"/licenses/{lic['id']}", json={"auto_renew": True}),
        client.delete(f"/licenses/{lic['id']}"),
        client.delete(f"/licenses/{lic['id']}/servers/{server_id}"),
        client.get(f"/tickets/{ticket['id']}"),
        client.post(f"/tickets/{ticket['id']}/messages", json={"text": "чужой"}),
        client.post(f"/tickets/{ticket['id']}/archive"),
        client.get(f"/payments/{topup.json()['id']}"),
    ]
    for response in attempts:
        assert response.status_code == 404, (response.request.url, response.text)
        assert response.json()["code"] == "not_found"
    assert balance_of(intruder) == 100_000 and balance_of(owner) == 90_000
    after = owner_client.get(f"/licenses/{lic['id']}").json()
    assert after == lic | {"servers": after["servers"]} and len(after["servers"]) == 1
    with session_scope() as session:
        assert session.get(Ticket, ticket["id"]).status == "open"
        assert session.exec(select(LicenseActivation)).first() is not None
    assert client.get("/licenses").json()["items"] == [] and client.get("/tickets").json()["items"] == []


def test_ticket_with_screenshots_by_multipart(customer_api) -> None:
    from tests.images import image_bytes

    _user, client = customer_api()
    fields = {"category": "technical", "priority": "medium", "subject": "Ошибка панели",
              "description": "Скриншоты ошибки во вложении"}
    created = client.post("/tickets", data=fields, files=[("files", ("error.png", image_bytes("png"), "image/png")),
                                                          ("files", ("more.jpg", image_bytes("jpeg"), "image/jpeg"))])
    assert created.status_code == 201, created.text
    attachments = created.json()["messages"][0]["attachments"]
    assert [a["content_type"] for a in attachments] == ["image/png", "image/jpeg"]
    ticket_id = created.json()["id"]
    reply = client.post(f"/tickets/{ticket_id}/messages", data={"text": "Ещё один"},
                        files=[("files", ("x.png", image_bytes("png"), "image/png"))])
    assert reply.status_code == 201 and len(reply.json()["attachments"]) == 1
    fake = client.post(f"/tickets/{ticket_id}/messages", data={"text": "Не картинка"},
                       files=[("files", ("evil.png", b"<script>alert(1)</script>", "image/png"))])
    assert fake.status_code == 422 and fake.json()["reason"] == "invalid_ticket"
    assert len(client.get(f"/tickets/{ticket_id}").json()["messages"]) == 2
    missing = client.post("/tickets", data={"category": "technical"})
    assert missing.status_code == 422 and missing.json()["code"] == "validation_error"
