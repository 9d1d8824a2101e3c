"""A chat-completions server on 127.0.0.1 for tests: scripted replies, every request kept."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted reply: a status, a body (or assistant content), headers, a delay."""

    status: int = 200
    content: str | None = None  # the assistant message content, wrapped in a completion
    body: bytes | None = None  # a raw body instead
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def answer(type_: str, category: str, confidence: float = 0.8) -> Reply:
    """A well-formed label."""
    return Reply(
        content=json.dumps({"category": category, "type": type_, "confidence": confidence})
    )


def completion(content: str) -> bytes:
    """A chat.completion body carrying ``content``."""
    return json.dumps(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": "test-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 120, "completion_tokens": 20, "total_tokens": 140},
        }
    ).encode()


class FakeServer:
    """Serves ``script(request_number, request_body) -> Reply``; records each request body."""

    def __init__(self, script: Callable[[int, dict[str, Any]], Reply]):
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self.stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    n = len(server.requests)
                    server.requests.append(body)
                    server.paths.append(self.path)
                reply = server.script(n, body)
                if reply.delay:
                    server.stop.wait(reply.delay)
                data = (
                    reply.body
                    if reply.body is not None
                    else (completion(reply.content) if reply.content is not None else b"{}")
                )
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and went away

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)


@contextmanager
def serving(script: Callable[[int, dict[str, Any]], Reply]) -> Iterator[FakeServer]:
    """Run a :class:`FakeServer` in a thread for the ``with`` block."""
    server = FakeServer(script)
    thread = threading.Thread(target=server.httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        server.httpd.shutdown()
        server.httpd.server_close()
        thread.join(5)


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``predicate`` until true or ``timeout``; returns its last value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
