"""One domain error type: a snake_case code for programs and a Russian message for people."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, code: str, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field  # form field the message belongs next to, if any

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r})"


class AccessDenied(DomainError):
    """The caller is not allowed to do this (anonymous, blocked, wrong role, not the owner)."""

    def __init__(self, code: str = "forbidden", message: str = "Недостаточно прав") -> None:
        super().__init__(code, message)


class NotFound(DomainError):
    def __init__(self, message: str = "Не найдено") -> None:
        super().__init__("not_found", message)
