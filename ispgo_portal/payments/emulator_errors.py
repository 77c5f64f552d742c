"""YooKassa's error body, shared by the emulator's modules."""

from __future__ import annotations

import uuid
from typing import Any


class ApiProblem(Exception):
    """Answered with YooKassa's standard error body."""

    def __init__(self, status: int, code: str, description: str, parameter: str | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.body: dict[str, Any] = {"type": "error", "id": str(uuid.uuid4()), "code": code,
                                     "description": description}
        if parameter:
            self.body["parameter"] = parameter


def invalid(description: str, parameter: str | None = None) -> ApiProblem:
    return ApiProblem(400, "invalid_request", description, parameter)
