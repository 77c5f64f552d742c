"""Act as an ISPGo panel: activate this server with a license key, validate it, and check the
Ed25519 signature of every answer.

    python scripts/panel_check.py --url http://localhost:3000 --key ISPG-XXXX-XXXX-XXXX-XXXX
        [--fingerprint ID] [--hostname NAME] [--public-key BASE64] [--deactivate]

Without --public-key the key is fetched from /api/v1/licenses/public-key (a real panel pins
it instead). Exit code 0 when the license is valid for this server, 1 otherwise, 2 when an
answer's signature does not verify.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import secrets
import socket
import sys
import urllib.error
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class BadSignature(RuntimeError):
    pass


def machine_fingerprint() -> str:
    try:
        with open("/etc/machine-id") as fh:
            seed = fh.read().strip()
    except OSError:
        seed = socket.gethostname()
    return hashlib.sha256(f"ispgo-panel:{seed}".encode()).hexdigest()


def request(url: str, body: dict | None = None) -> tuple[int, bytes, str]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            return resp.status, resp.read(), resp.headers.get("X-Signature", "")
    except urllib.error.HTTPError as err:  # 4xx answers are signed too
        return err.code, err.read(), err.headers.get("X-Signature", "")


def verified(public_key: Ed25519PublicKey, raw: bytes, signature: str) -> dict:
    try:
        public_key.verify(base64.b64decode(signature), raw)
    except (InvalidSignature, ValueError) as exc:
        raise BadSignature("ответ не подписан ключом портала") from exc
    return json.loads(raw)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="адрес портала, например http://localhost:3000")
    parser.add_argument("--key", required=True, help="ключ лицензии")
    parser.add_argument("--fingerprint", default=machine_fingerprint())
    parser.add_argument("--hostname", default=socket.gethostname())
    parser.add_argument("--public-key", default="", help="открытый ключ портала (base64, 32 байта)")
    parser.add_argument("--deactivate", action="store_true", help="в конце освободить место сервера")
    args = parser.parse_args()
    api = args.url.rstrip("/") + "/api/v1/licenses"

    pinned = args.public_key
    if not pinned:
        _status, raw, _sig = request(f"{api}/public-key")
        pinned = json.loads(raw)["public_key"]
    public_key = Ed25519PublicKey.from_public_bytes(base64.b64decode(pinned))

    nonce = secrets.token_hex(8)
    steps = [("activate", {"key": args.key, "fingerprint": args.fingerprint, "hostname": args.hostname})]
    steps.append(("validate", {"key": args.key, "fingerprint": args.fingerprint}))
    if args.deactivate:
        steps.append(("deactivate", {"key": args.key, "fingerprint": args.fingerprint}))
    answers: dict[str, dict] = {}
    try:
        for action, body in steps:
            status, raw, signature = request(f"{api}/{action}", {**body, "nonce": nonce})
            answer = verified(public_key, raw, signature)
            if answer.get("nonce") not in (None, nonce):
                raise BadSignature("ответ относится к другому запросу")
            answers[action] = answer
            print(f"{action:<10} HTTP {status}  подпись верна  valid={answer['valid']}  code={answer['code']}  "
                  f"status={answer.get('status')}  expires_at={answer.get('expires_at')}  "
                  f"tariff={answer.get('tariff')}  servers={answer.get('servers_used')}/{answer.get('max_servers')}")
    except BadSignature as exc:
        print(f"ОШИБКА: {exc}", file=sys.stderr)
        return 2
    return 0 if answers["validate"]["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
