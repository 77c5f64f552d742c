"""The upload body cap: oversized uploads are cut off before they are parsed or spooled."""

from __future__ import annotations

import warnings

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ispgo_portal.api.upload_limit import UPLOAD_BODY_LIMIT, UploadSizeLimit

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx versions, not about us
    from starlette.testclient import TestClient

LIMIT = 10_000


@pytest.fixture
def seen() -> list[str]:
    return []


@pytest.fixture
def client(seen: list[str]) -> TestClient:
    async def receive_upload(request: Request) -> JSONResponse:
        try:
            form = await request.form()
        except ClientDisconnect:
            seen.append("disconnected")
            return JSONResponse({}, status_code=400)
        seen.append(f"files:{len(form.getlist('files'))}")
        return JSONResponse({"ok": True})

    app = Starlette(
        routes=[Route("/_upload", receive_upload, methods=["POST"]),
                Route("/api/other", receive_upload, methods=["POST"])],
        middleware=[Middleware(UploadSizeLimit, max_bytes=LIMIT)],
    )
    return TestClient(app)


def test_small_upload_reaches_the_handler(client: TestClient, seen: list[str]) -> None:
    response = client.post("/_upload", files={"files": ("a.png", b"x" * 1000, "image/png")})
    assert response.status_code == 200
    assert seen == ["files:1"]


def test_declared_oversized_upload_gets_413_and_is_not_parsed(client: TestClient, seen: list[str]) -> None:
    response = client.post("/_upload", files={"files": ("a.png", b"x" * (LIMIT + 1), "image/png")})
    assert response.status_code == 413
    assert seen == []


def test_undeclared_oversized_body_never_reaches_the_handler_as_files(client: TestClient, seen: list[str]) -> None:
    boundary = "b0undary"
    payload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.png\"\r\n"
               f"Content-Type: image/png\r\n\r\n").encode() + b"x" * (LIMIT * 3) + f"\r\n--{boundary}--\r\n".encode()

    def chunks():  # a generator body is sent without Content-Length
        for start in range(0, len(payload), 4096):
            yield payload[start:start + 4096]

    client.post("/_upload", content=chunks(), headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert seen == ["disconnected"]


def test_other_paths_are_not_limited(client: TestClient, seen: list[str]) -> None:
    response = client.post("/api/other", files={"files": ("a.png", b"x" * (LIMIT * 2), "image/png")})
    assert response.status_code == 200
    assert seen == ["files:1"]


def test_portal_limit_allows_five_full_screenshots_and_the_portal_api_applies_it() -> None:
    from ispgo_portal.api.app import create_api

    assert UPLOAD_BODY_LIMIT > 5 * 5 * 1024 * 1024
    assert any(m.cls is UploadSizeLimit for m in create_api().user_middleware)
