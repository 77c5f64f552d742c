"""Logging, configured once per process: the portal, each Celery worker and beat, the CLI.

Every line carries a UTC timestamp, the level, the logger and the id of the HTTP request or
websocket event being served (`-` outside one). `LOG_FORMAT=json` writes one JSON object per
line instead, for a log shipper; `LOG_LEVEL` sets the level (INFO by default).

The id lives in a context variable: the HTTP middleware (`api/request_id.py`) sets it from
`X-Request-ID` or makes one, and an event handler can bind its own with `bind_request_id`.
asyncio copies context into tasks and `run_in_threadpool` into worker threads, so a service
called from there logs with the id of the request that called it.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import logging.config
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("ispgo_request_id", default="-")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Attributes every LogRecord has; anything else was passed in `extra=` and goes into JSON.
_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime",
                                                                                  "request_id"}
_configured = False


def new_request_id() -> str:
    return secrets.token_hex(8)


def current_request_id() -> str:
    return REQUEST_ID.get()


@contextlib.contextmanager
def bind_request_id(request_id: str | None = None) -> Iterator[str]:
    """Log everything inside with this id (a new one if none is given)."""
    value = request_id or new_request_id()
    token = REQUEST_ID.set(value)
    try:
        yield value
    finally:
        REQUEST_ID.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the current request/event id on every record (handlers' filter: also covers
    records of loggers created by libraries before configuration)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class UtcFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        stamp = datetime.fromtimestamp(record.created, tz=UTC)
        return stamp.strftime(datefmt) if datefmt else stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(UtcFormatter):
    """One JSON object per line: time, level, logger, request_id, message, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", REQUEST_ID.get()),
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def logging_config(*, fmt: str = "text", level: str = "INFO") -> dict:
    formatter = ({"()": JsonFormatter} if fmt == "json"
                 else {"()": UtcFormatter, "format": TEXT_FORMAT})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"portal": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                "formatter": "portal", "filters": ["request_id"]}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # Each request is already one line in the metrics; access logs are nginx's job.
            "uvicorn.access": {"level": "WARNING"},
            "httpx": {"level": "WARNING"},
        },
    }


def configure_logging(*, force: bool = False) -> None:
    """Apply the portal's logging configuration; later calls do nothing unless `force`."""
    global _configured
    if _configured and not force:
        return
    from ispgo_portal.settings import get_settings

    settings = get_settings()
    fmt = settings.log_format.strip().lower()
    level = settings.log_level.strip().upper() or "INFO"
    if fmt not in {"text", "json"}:
        fmt = "text"
    if level not in logging.getLevelNamesMapping():
        level = "INFO"
    logging.config.dictConfig(logging_config(fmt=fmt, level=level))
    _configured = True
