"""Serve an ASGI app (the emulator, or the portal's HTTP API) from a background thread on a
loopback port: how tests and benchmarks run the emulator as a standalone server, over
plain HTTP or, given a certificate and key, over HTTPS as YooKassa is reached."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn


class ThreadedServer:
    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0,
                 ssl_certfile: str | None = None, ssl_keyfile: str | None = None) -> None:
        self.host = host
        self.scheme = "https" if ssl_certfile else "http"
        self._server = uvicorn.Server(uvicorn.Config(
            app, host=host, port=port, log_level="warning", lifespan="on",
            timeout_keep_alive=30, backlog=2048, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile,
        ))
        self._thread = threading.Thread(target=self._server.run, name="asgi-server", daemon=True)
        self.port = port

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> ThreadedServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("ASGI server did not start")
            time.sleep(0.02)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
