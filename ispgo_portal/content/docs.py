"""Texts and code samples of «Документация»: installation, activation and the license API.

The API part follows `services/licensing/panel_api.py` (codes, HTTP statuses, answer fields) and
`services/licensing/signing.py` (Ed25519 over the exact body, base64 in `X-Signature`). `{portal}` in
the samples is replaced with the portal's own address when the page is built.
"""

from __future__ import annotations

EXAMPLE_KEY = "ISPG-7KQ2-M9XD-4HTR-VW3P"
EXAMPLE_FINGERPRINT = "3f9a1c0e5b7d4e2a8c6f1b0d9e7a5c3b"

ENDPOINTS: tuple[tuple[str, str, str, str], ...] = (
    ("POST", "/api/v1/licenses/activate", "key, fingerprint, hostname",
     "Подключить сервер к лицензии. Повторная активация того же сервера ничего не меняет."),
    ("POST", "/api/v1/licenses/validate", "key, fingerprint",
     "Проверить, действует ли лицензия для этого сервера сейчас."),
    ("POST", "/api/v1/licenses/deactivate", "key, fingerprint",
     "Отключить сервер и освободить место (при переезде на другой сервер)."),
    ("GET", "/api/v1/licenses/public-key", "—",
     "Открытый ключ Ed25519 портала для проверки подписи ответов."),
)

REQUEST_FIELDS: tuple[tuple[str, str], ...] = (
    ("key", "Ключ лицензии из раздела «Мои лицензии», например ISPG-7KQ2-M9XD-4HTR-VW3P. "
            "Регистр и пробелы не важны."),
    ("fingerprint", "Постоянный идентификатор сервера, до 128 символов (например, хеш "
                    "/etc/machine-id). По нему портал отличает один сервер от другого."),
    ("hostname", "Имя сервера, до 253 символов — только для activate; показывается в карточке "
                 "лицензии."),
    ("nonce", "Необязательно: случайная строка до 128 символов. Портал вернёт её в ответе, и панель "
              "убедится, что подписанный ответ свежий, а не повтор старого."),
)

RESPONSE_FIELDS: tuple[tuple[str, str], ...] = (
    ("valid", "true — панель может работать; false — нет (причина в code)."),
    ("code", "Код результата, см. таблицу ниже."),
    ("message", "Пояснение по-русски, можно показать администратору сервера."),
    ("status", "Статус лицензии: active, expired или suspended."),
    ("expires_at", "Дата окончания срока, UTC, ISO 8601 (2026-11-26T09:30:00Z)."),
    ("tariff", "Название тарифа."),
    ("max_servers", "Максимум серверов по тарифу; 0 — без ограничений."),
    ("max_sites", "Максимум сайтов по тарифу; 0 — без ограничений. Соблюдает сама панель."),
    ("servers_used", "Сколько серверов уже подключено к лицензии."),
    ("issued_at", "Когда портал выдал ответ (UTC)."),
    ("activated / deactivated", "Только в ответах activate / deactivate: подключён ли сервер "
                                "впервые / был ли он отключён."),
)

ERROR_CODES: tuple[tuple[str, str, str], ...] = (
    ("valid", "200", "Лицензия действует, сервер подключён. Панель работает."),
    ("expired", "200", "Срок лицензии истёк. Панель перестаёт работать до продления в личном кабинете."),
    ("suspended", "200", "Лицензия приостановлена (не хватило средств на автопродление или решение "
                         "администратора). Панель перестаёт работать до продления."),
    ("not_activated", "200", "Ключ верный, но этот сервер к лицензии не подключён (или только что "
                             "отключён). Вызовите activate."),
    ("server_limit_reached", "409", "Все места для серверов по тарифу заняты. Отключите ненужный сервер "
                                    "в разделе «Мои лицензии» или купите тариф с большим лимитом."),
    ("not_found", "404", "Ключ не найден. Проверьте, что он скопирован полностью. Другие поля ответа "
                         "пусты (null)."),
    ("invalid_request", "400", "Тело запроса — не JSON-объект, не хватает полей, поля пустые или "
                               "слишком длинные, либо тело больше 4 КБ. Поле detail уточняет причину."),
    ("rate_limited", "429", "Слишком много запросов с этого ключа или адреса. Повторите через столько "
                            "секунд, сколько указано в заголовке Retry-After."),
)

ACTIVATE_REQUEST = """curl -s -X POST {portal}/api/v1/licenses/activate \\
  -H 'Content-Type: application/json' \\
  -d '{"key": "ISPG-7KQ2-M9XD-4HTR-VW3P",
       "fingerprint": "3f9a1c0e5b7d4e2a8c6f1b0d9e7a5c3b",
       "hostname": "srv1.example.ru"}'"""

ACTIVATE_RESPONSE = """HTTP/1.1 200 OK
Content-Type: application/json
X-Signature: 3q0bP1bUoZ2QH0Yx…(base64, 88 символов)

{"valid": true, "code": "valid", "message": "Лицензия действительна",
 "status": "active", "expires_at": "2026-11-26T09:30:00Z", "tariff": "Бизнес",
 "max_servers": 5, "max_sites": 100, "servers_used": 1, "activated": true,
 "issued_at": "2026-10-27T09:30:00Z"}"""

VALIDATE_REQUEST = """curl -s -X POST {portal}/api/v1/licenses/validate \\
  -H 'Content-Type: application/json' \\
  -d '{"key": "ISPG-7KQ2-M9XD-4HTR-VW3P",
       "fingerprint": "3f9a1c0e5b7d4e2a8c6f1b0d9e7a5c3b",
       "nonce": "b41f0c2e9d"}'"""

VALIDATE_EXPIRED_RESPONSE = """HTTP/1.1 200 OK

{"valid": false, "code": "expired",
 "message": "Срок действия лицензии истёк: продлите её в личном кабинете",
 "status": "expired", "expires_at": "2026-10-01T00:00:00Z", "tariff": "Старт",
 "max_servers": 1, "max_sites": 10, "servers_used": 1,
 "issued_at": "2026-10-27T09:31:00Z", "nonce": "b41f0c2e9d"}"""

LIMIT_RESPONSE = """HTTP/1.1 409 Conflict

{"valid": false, "code": "server_limit_reached",
 "message": "Достигнут предел серверов по тарифу: отключите сервер в личном кабинете",
 "status": "active", "expires_at": "2026-11-26T09:30:00Z", "tariff": "Старт",
 "max_servers": 1, "max_sites": 10, "servers_used": 1,
 "issued_at": "2026-10-27T09:32:00Z"}"""

NOT_FOUND_RESPONSE = """HTTP/1.1 404 Not Found

{"valid": false, "code": "not_found", "message": "Лицензия не найдена",
 "status": null, "expires_at": null, "tariff": null, "max_servers": null,
 "max_sites": null, "servers_used": null, "issued_at": "2026-10-27T09:33:00Z"}"""

PUBLIC_KEY_REQUEST = """curl -s {portal}/api/v1/licenses/public-key

{"algorithm": "Ed25519", "public_key": "Vq1n…(base64, 44 символа)",
 "public_key_pem": "-----BEGIN PUBLIC KEY-----\\n…\\n-----END PUBLIC KEY-----\\n",
 "signature_header": "X-Signature"}"""

PYTHON_VERIFY = '''import base64
import json
import urllib.error
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PORTAL = "{portal}"
# Открытый ключ портала (поле public_key ответа /api/v1/licenses/public-key).
# Сохраните его в панели один раз, а не запрашивайте вместе с каждой проверкой.
PUBLIC_KEY = Ed25519PublicKey.from_public_bytes(base64.b64decode("ВСТАВЬТЕ_PUBLIC_KEY"))


def check_license(key: str, fingerprint: str) -> dict:
    request = urllib.request.Request(
        f"{{PORTAL}}/api/v1/licenses/validate",
        data=json.dumps({{"key": key, "fingerprint": fingerprint}}).encode(),
        headers={{"Content-Type": "application/json"}},
    )
    try:
        response = urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as error:  # 4xx тоже подписаны
        response = error
    body = response.read()  # подпись — над этими байтами, до разбора JSON
    signature = base64.b64decode(response.headers["X-Signature"])
    try:
        PUBLIC_KEY.verify(signature, body)
    except InvalidSignature:
        raise RuntimeError("ответ не подписан порталом ISPGo") from None
    return json.loads(body)


answer = check_license("ISPG-7KQ2-M9XD-4HTR-VW3P", "3f9a1c0e5b7d4e2a8c6f1b0d9e7a5c3b")
print(answer["valid"], answer["code"], answer["expires_at"])'''

CURL_VERIFY = """PORTAL={portal}

# 1. Открытый ключ в формате PEM (один раз)
curl -s $PORTAL/api/v1/licenses/public-key \\
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key_pem"], end="")' \\
  > ispgo-public.pem

# 2. Запрос: тело ответа — в body.json, заголовки — в headers.txt
curl -s -D headers.txt -o body.json -X POST $PORTAL/api/v1/licenses/validate \\
  -H 'Content-Type: application/json' \\
  -d '{"key": "ISPG-7KQ2-M9XD-4HTR-VW3P", "fingerprint": "3f9a1c0e5b7d4e2a8c6f1b0d9e7a5c3b"}'

# 3. Подпись из заголовка X-Signature — в двоичный файл
grep -i '^x-signature:' headers.txt | cut -d' ' -f2 | tr -d '\\r' | base64 -d > body.sig

# 4. Проверка (OpenSSL 3): печатает «Signature Verified Successfully»
openssl pkeyutl -verify -pubin -inkey ispgo-public.pem -rawin -in body.json -sigfile body.sig"""


def sample(text: str, portal: str) -> str:
    """A code sample with the portal's address filled in."""
    if text is PYTHON_VERIFY:
        return text.format(portal=portal)
    return text.replace("{portal}", portal)
