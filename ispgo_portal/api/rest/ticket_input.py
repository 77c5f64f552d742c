"""Ticket bodies as JSON or as multipart/form-data with screenshots (`files`, up to 5
images of 5 MB: the same rules as the cabinet's form, checked by the tickets service).

The multipart body is read through a size cap before it is parsed, so an oversized upload
is refused without being written to disk."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from ispgo_portal.api.rest.problems import ApiProblem
from ispgo_portal.api.upload_limit import UPLOAD_BODY_LIMIT
from ispgo_portal.services.support.attachments import FIELD, MAX_FILE_BYTES, MAX_FILES, IncomingFile

MULTIPART = "multipart/form-data"


def request_body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI requestBody: the model as JSON, or the same fields plus `files` as multipart."""
    schema = model.model_json_schema()
    multipart = {**schema, "properties": {
        **schema["properties"],
        FIELD: {"type": "array", "maxItems": MAX_FILES, "items": {"type": "string", "format": "binary"},
                "description": f"Скриншоты: PNG, JPEG, GIF или WebP, до {MAX_FILES} файлов по 5 МБ"}}}
    return {"required": True, "content": {"application/json": {"schema": schema}, MULTIPART: {"schema": multipart}}}


async def _capped(request: Request) -> AsyncIterator[bytes]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > UPLOAD_BODY_LIMIT:
        raise ApiProblem(413, "payload_too_large", "Слишком большой запрос: до 5 скриншотов по 5 МБ")
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > UPLOAD_BODY_LIMIT:
            raise ApiProblem(413, "payload_too_large", "Слишком большой запрос: до 5 скриншотов по 5 МБ")
        yield chunk


def _invalid(message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body",), "msg": message, "type": "value_error"}])


async def read_ticket_input(request: Request, model: type[BaseModel]) -> tuple[Any, list[IncomingFile]]:
    """(validated body, screenshots) from a JSON or a multipart request."""
    files: list[IncomingFile] = []
    if request.headers.get("content-type", "").startswith(MULTIPART):
        try:
            form = await MultiPartParser(request.headers, _capped(request), max_files=MAX_FILES + 1,
                                         max_fields=20).parse()
        except MultiPartException as exc:
            raise _invalid(f"Неверное тело multipart/form-data: {exc.message}") from exc
        fields: Any = {}
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name == FIELD:
                    files.append(IncomingFile(filename=value.filename or "", data=await value.read(MAX_FILE_BYTES + 1)))
                await value.close()
            else:
                fields[name] = value
    else:
        try:
            fields = json.loads(await request.body())
        except (UnicodeDecodeError, ValueError) as exc:
            raise _invalid("Тело запроса — не JSON") from exc
    try:
        return model.model_validate(fields), files
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from exc


def files_fingerprint(files: list[IncomingFile]) -> list[str]:
    return [f"{f.filename}:{hashlib.sha256(f.data or b'').hexdigest()}" for f in files]
