"""Logging is configured once per process: time, level, logger and the request/event id on
every line; JSON lines with LOG_FORMAT=json; the HTTP request id reaches the logs of the code
serving it; Celery workers and beat get the same configuration."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Iterator

import httpx
import pytest

from ispgo_portal.logging_setup import bind_request_id, configure_logging, current_request_id
from ispgo_portal.payments.emulator_server import ThreadedServer
from ispgo_portal.settings import get_settings

TEXT_LINE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (\w+) ([\w.]+) \[([^\]]+)\] (.*)")


@pytest.fixture
def log_format(monkeypatch) -> Iterator[callable]:
    """log_format("json"|"text"): configure logging anew, writing to the captured stderr."""

    def apply(fmt: str) -> None:
        monkeypatch.setenv("LOG_FORMAT", fmt)
        get_settings.cache_clear()
        configure_logging(force=True)

    yield apply
    os.environ.pop("LOG_FORMAT", None)
    get_settings.cache_clear()
    configure_logging(force=True)


def test_text_lines_carry_time_level_logger_and_request_id(log_format, capsys) -> None:
    log_format("text")
    with bind_request_id("req-42"):
        logging.getLogger("ispgo_portal.demo").warning("баланс %s", "пополнен")
    logging.getLogger("ispgo_portal.demo").info("вне запроса")

    lines = capsys.readouterr().err.strip().splitlines()
    assert [TEXT_LINE.fullmatch(line).groups() for line in lines[-2:]] == [
        ("WARNING", "ispgo_portal.demo", "req-42", "баланс пополнен"),
        ("INFO", "ispgo_portal.demo", "-", "вне запроса"),
    ]


def test_json_format_writes_one_object_a_line(log_format, capsys) -> None:
    log_format("json")
    with bind_request_id("evt-7"):
        logging.getLogger("ispgo_portal.billing").info("зачислено", extra={"payment_id": 12})
    try:
        raise ValueError("сломалось")
    except ValueError:
        logging.getLogger("ispgo_portal.billing").exception("ошибка")

    first, second = (json.loads(line) for line in capsys.readouterr().err.strip().splitlines()[-2:])
    assert first["level"] == "INFO" and first["logger"] == "ispgo_portal.billing"
    assert (first["request_id"], first["message"], first["payment_id"]) == ("evt-7", "зачислено", 12)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["time"])
    assert second["request_id"] == "-" and "ValueError: сломалось" in second["exc_info"]


def test_configuring_twice_keeps_one_handler(log_format) -> None:
    log_format("text")
    configure_logging()
    configure_logging()
    assert len(logging.getLogger().handlers) == 1


def test_request_id_reaches_the_logs_of_the_request(log_format, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TRUSTED_PROXY_HEADER", "X-Real-IP")
    log_format("json")
    from ispgo_portal.api.app import create_api

    server = ThreadedServer(create_api()).start()
    try:
        answer = httpx.post(f"{server.url}/api/yookassa/webhook", content=b"{}",
                            headers={"X-Real-IP": "203.0.113.9", "X-Request-ID": "trace-webhook-1"})
    finally:
        server.stop()
        os.environ.pop("TRUSTED_PROXY_HEADER", None)
    assert answer.status_code == 403
    assert answer.headers["x-request-id"] == "trace-webhook-1"
    entries = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    [refusal] = [e for e in entries if "untrusted address" in e["message"]]
    assert refusal["request_id"] == "trace-webhook-1"
    assert refusal["level"] == "WARNING"


def test_ids_do_not_leak_between_threads() -> None:
    seen: list[str] = []
    with bind_request_id("outer"):
        worker = threading.Thread(target=lambda: seen.append(current_request_id()))
        worker.start()
        worker.join()
    assert seen == ["-"]
    assert current_request_id() == "-"


def test_celery_processes_configure_the_portal_logging(log_format) -> None:
    from celery.signals import setup_logging

    from ispgo_portal.logging_setup import JsonFormatter
    from ispgo_portal.tasks.celery_app import celery_app  # noqa: F401 - connects the receiver

    log_format("text")
    os.environ["LOG_FORMAT"] = "json"
    get_settings.cache_clear()
    import ispgo_portal.logging_setup as setup

    setup._configured = False  # a fresh worker process
    responses = setup_logging.send(sender=None, loglevel="INFO", logfile=None, format="", colorize=False)
    assert responses, "no receiver: Celery would install its own handlers"
    [handler] = logging.getLogger().handlers
    assert isinstance(handler.formatter, JsonFormatter)
