"""«Документация → REST API»: the reference is read from the API's own OpenAPI document
when the page is built (so it cannot drift from the code), plus runnable examples.

`{portal}` in the samples is replaced with the portal's address (see `docs.sample`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

OPENAPI_PATH = "/api/v1/openapi.json"


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Answer:
    status: str
    description: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    scope: str
    parameters: tuple[Field, ...]
    body: tuple[Field, ...]
    answers: tuple[Answer, ...]  # 2xx
    errors: tuple[str, ...]  # HTTP statuses of problem answers

    @property
    def anchor(self) -> str:
        slug = self.path.removeprefix("/api/v1/").replace("/", "-").replace("{", "").replace("}", "")
        return f"rest-{self.method.lower()}-{slug}"


def openapi_document() -> dict[str, Any]:
    from ispgo_portal.api.rest import openapi_document as build

    return build()


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _type(doc: dict[str, Any], schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " | ".join(_type(doc, s) for s in schema["anyOf"])
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return str(schema["const"])
    if schema.get("type") == "array":
        return f"[{_type(doc, schema.get('items', {}))}]"
    kind = schema.get("type", "object")
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _fields(doc: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> list[Field]:
    """Object properties, nested objects and lists of objects flattened as `a.b` / `a[].b`."""
    schema = _resolve(doc, schema)
    required = set(schema.get("required", ()))
    out: list[Field] = []
    for name, prop in schema.get("properties", {}).items():
        full = f"{prefix}{name}"
        out.append(Field(full, _type(doc, prop), name in required, prop.get("description", "")))
        inner = _resolve(doc, prop.get("items", {})) if prop.get("type") == "array" else _resolve(doc, prop)
        if inner.get("properties") and inner is not schema:
            out.extend(_fields(doc, inner, f"{full}[]." if prop.get("type") == "array" else f"{full}."))
    return out


def _operation(doc: dict[str, Any], method: str, path: str, op: dict[str, Any]) -> Operation:
    params = tuple(
        Field(p["name"], f"{_type(doc, p.get('schema', {}))}, {p['in']}", p.get("required", False),
              p.get("description", ""))
        for p in op.get("parameters", ())
    )
    body_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    answers, errors = [], []
    for status, answer in op.get("responses", {}).items():
        if status.startswith("2"):
            schema = answer.get("content", {}).get("application/json", {}).get("schema")
            answers.append(Answer(status, answer.get("description", ""),
                                  tuple(_fields(doc, schema)) if schema else ()))
        elif status != "422" or "application/problem+json" in answer.get("content", {}):
            errors.append(status)
    return Operation(method=method.upper(), path=path, summary=op.get("summary", ""),
                     description=op.get("description", ""), scope=op.get("x-scope", ""),
                     parameters=params, body=tuple(_fields(doc, body_schema)) if body_schema else (),
                     answers=tuple(answers), errors=tuple(sorted(set(errors))))


@lru_cache
def reference() -> tuple[Operation, ...]:
    doc = openapi_document()
    return tuple(_operation(doc, method, path, op)
                 for path, item in doc["paths"].items() for method, op in item.items())


ERROR_CODES: tuple[tuple[str, str, str], ...] = (
    ("unauthorized", "401", "Нет заголовка Authorization, токен неверный, отозван или истёк, либо "
                            "учётная запись заблокирована."),
    ("forbidden_scope", "403", "У токена нет нужного права: read — для GET, write — для остального."),
    ("not_found", "404", "Объекта нет или он принадлежит другому клиенту."),
    ("insufficient_funds", "402", "Не хватает баланса и кредитного лимита. Ничего не списано."),
    ("conflict", "409", "Действие сейчас невозможно: удалить действующую лицензию, ответить в закрытый "
                        "тикет, продлить лицензию, приостановленную администратором, слишком много "
                        "неоплаченных платежей. Поле reason уточняет причину."),
    ("idempotency_key_reused", "409", "Этот Idempotency-Key уже использован для запроса с другим телом."),
    ("validation_error", "422", "Неверные данные: поле field (или список errors) называет поле, "
                                "detail объясняет по-русски."),
    ("rate_limited", "429", "Слишком много запросов с токеном. Повторите через Retry-After секунд."),
    ("payment_gateway_unavailable", "503", "ЮKassa не отвечает. Деньги не списаны; повторите запрос "
                                           "(с тем же Idempotency-Key) через Retry-After секунд."),
)

CURL_EXAMPLE = """export ISPGO_TOKEN=ispgo_…   # «API-токены» → «Создать токен»

# Баланс и доступные средства (копейки)
curl -s {portal}/api/v1/me -H "Authorization: Bearer $ISPGO_TOKEN"

# Открыть тикет; повтор с тем же Idempotency-Key не создаст второй
curl -s -X POST {portal}/api/v1/tickets \\
  -H "Authorization: Bearer $ISPGO_TOKEN" \\
  -H "Content-Type: application/json" \\
  -H "Idempotency-Key: docs-ticket-1" \\
  -d '{"category": "billing", "priority": "low", "subject": "Закрывающие документы",
       "description": "Пришлите, пожалуйста, акт за прошлый месяц."}'"""

PYTHON_EXAMPLE = '''import os
import time

import httpx  # pip install httpx

PORTAL = "{portal}"
TOKEN = os.environ["ISPGO_TOKEN"]  # токен с правами read и write
RUN = os.environ.get("RUN", "2026-12-01")  # новый запуск — новое значение: из него строятся ключи

api = httpx.Client(base_url=f"{PORTAL}/api/v1", timeout=60,
                   headers={"Authorization": f"Bearer {TOKEN}"})


def post(path: str, body: dict, step: str) -> dict:
    """POST с Idempotency-Key: повторный запуск вернёт прежние ответы и ничего не спишет дважды."""
    answer = api.post(path, json=body, headers={"Idempotency-Key": f"{RUN}:{step}"})
    if answer.is_error:
        problem = answer.json()
        raise RuntimeError(f"{answer.status_code} {problem['code']}: {problem['detail']}")
    return answer.json()


# 1. Пополнить баланс на 3 000 ₽ (суммы — в копейках) и дождаться оплаты
payment = post("/topups", {"amount": 300_000}, "topup")
payment = api.get(f"/payments/{payment['id']}").json()
if payment["status"] != "succeeded":
    print("Оплатите пополнение:", payment["confirmation_url"])
while payment["status"] not in ("succeeded", "canceled"):
    time.sleep(2)
    payment = api.get(f"/payments/{payment['id']}").json()
if payment["status"] != "succeeded":
    raise SystemExit("Пополнение отменено")

# 2. Купить три лицензии самого дешёвого тарифа с баланса
tariff = min(api.get("/tariffs").json()["items"], key=lambda t: t["price"])
licenses = [post("/licenses", {"tariff_id": tariff["id"], "method": "balance"}, f"buy-{n}")
            for n in range(3)]

# 3. Продлить первую из них
renewed = post(f"/licenses/{licenses[0]['id']}/renew", {"method": "balance"}, "renew-0")

# 4. Открыть тикет
ticket = post("/tickets", {"category": "license", "priority": "medium",
                            "subject": "Три новые лицензии",
                            "description": "Куплены через API: " + ", ".join(l["key"] for l in licenses)},
              "ticket")

me = api.get("/me").json()
print("Лицензии:", " ".join(l["key"] for l in licenses))
print("Первая продлена до", renewed["expires_at"])
print("Тикет №", ticket["number"])
print("Баланс, копеек:", me["balance"])'''
