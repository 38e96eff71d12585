"""A TCP proxy on 127.0.0.1 in front of deluge-web that counts HTTP requests in flight and fakes faults.

Bytes are relayed unchanged over one upstream connection per client connection, and a client
connection is closed when its upstream one is: what Home Assistant's client sees of deluge-web
(keep-alive connections dropped by a restart, cookies, gzip) is what it would see without the
proxy. Requests are framed by Content-Length; responses by Content-Length, chunked transfer
coding, or the end of the connection.

A request is *in flight* from the moment its last byte arrived until its answer has been written
back or the client gave up on it (closed the connection). Instead of forwarding, the proxy can
act as a broken server or a reverse proxy in trouble: see ``Fault``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
import json
import time
from typing import Any, Final

from tests.deluge_harness import free_port

_HEAD_END: Final = b"\r\n\r\n"
_LINE_END: Final = b"\r\n"
_NO_BODY_STATUSES: Final = frozenset({204, 304})

GARBAGE: Final = b"\x00\x9f\x92 <<this is not JSON>> \xff\xfe"
BAD_GATEWAY_PAGE: Final = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.27.0</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
LOGIN_PAGE: Final = (
    b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>"
    b"<form method=post action=/login><input name=password type=password></form></body></html>"
)


class Fault(StrEnum):
    """What the proxy does with each request (read when the request has arrived)."""

    NONE = "none"  # forward it to deluge-web
    HANG = "hang"  # accept it and never answer
    SLOW = "slow"  # forward it after ``delay`` real seconds
    GARBAGE = "garbage"  # HTTP 200, application/json, and bytes that are not JSON
    BAD_GATEWAY = "bad_gateway"  # a reverse proxy's HTML 502 page (Deluge behind it is down)
    LOGIN_PAGE = "login_page"  # a reverse proxy's HTML 401 sign-in page (its own auth, not Deluge's)


@dataclass
class ProxiedRequest:
    """One JSON-RPC request that reached the proxy."""

    method: str
    status: int | None = None  # the HTTP status answered; None: no answer (yet)
    done: bool = False


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    def close_upstream(self) -> None:
        if self.upstream is not None:
            self.upstream[1].close()
            self.upstream = None


@dataclass
class DelugeProxy:
    """Listens on ``port`` and relays to deluge-web on ``upstream_port`` (see the module docstring)."""

    upstream_port: int
    port: int = field(default_factory=free_port)
    fault: Fault = Fault.NONE
    delay: float = 0.5
    requests: list[ProxiedRequest] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def methods(self, since: int = 0) -> list[str]:
        """The JSON-RPC methods of the requests from number ``since`` on, in arrival order."""
        return [request.method for request in self.requests[since:]]

    def pending(self) -> list[str]:
        """The methods of the requests in flight now."""
        return [request.method for request in self.requests if not request.done]

    async def start(self) -> DelugeProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def wait_idle(self, limit: float = 5.0) -> None:
        """Wait (real time) until no request is in flight: the client answered or gave up on each."""
        await self._wait_real(lambda: self.in_flight == 0, limit, "no request is in flight")

    async def wait_in_flight(self, count: int, limit: float = 5.0) -> None:
        """Wait (real time) until at least ``count`` requests are in flight."""
        await self._wait_real(lambda: self.in_flight >= count, limit, f"{count} requests are in flight")

    async def _wait_real(self, check: Callable[[], bool], limit: float, what: str) -> None:
        loop = asyncio.get_running_loop()
        step = 0.02
        for _ in range(int(limit / step)):
            if check():
                return
            # Real time: the test may have frozen the event loop's clock, so no asyncio.sleep.
            await loop.run_in_executor(None, time.sleep, step)
        raise AssertionError(f"timed out waiting until {what}; in flight: {self.pending()}")

    # Serving

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        connection = _Connection(reader, writer)
        try:
            while (request := await self._next_request(connection)) is not None:
                head, body = request
                record = ProxiedRequest(method=_method(body))
                self.requests.append(record)
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                try:
                    answer = await self._until_client_leaves(
                        connection, self._answer(record, head + body, connection)
                    )
                    if answer is not None:
                        writer.write(answer)
                        await writer.drain()
                finally:
                    record.done = True
                    self.in_flight -= 1
                if answer is None:
                    break
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            connection.close_upstream()
            writer.close()
            self._tasks.discard(task)

    async def _next_request(self, connection: _Connection) -> tuple[bytes, bytes] | None:
        """The next request of the client; None when it closed, or when deluge-web closed upstream."""
        reading = asyncio.ensure_future(_read_request(connection.reader))
        if connection.upstream is None:
            return await reading
        upstream_closed = asyncio.ensure_future(connection.upstream[0].read(1))
        await asyncio.wait({reading, upstream_closed}, return_when=asyncio.FIRST_COMPLETED)
        if reading.done():
            upstream_closed.cancel()
            await asyncio.gather(upstream_closed, return_exceptions=True)
            return reading.result()
        # deluge-web closed the idle connection (or sent something unasked): so does a TCP hop.
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)
        return None

    async def _until_client_leaves(
        self, connection: _Connection, answering: Coroutine[Any, Any, bytes | None]
    ) -> bytes | None:
        """The answer, or None when the client closed its connection before it was ready."""
        answer: asyncio.Future[bytes | None] = asyncio.ensure_future(answering)
        left: asyncio.Future[bytes] = asyncio.ensure_future(connection.reader.read(1))  # nothing is sent
        try:
            waiting: list[asyncio.Future[Any]] = [answer, left]
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for future in (answer, left):
                if not future.done():
                    future.cancel()
            await asyncio.gather(answer, left, return_exceptions=True)
        if answer.cancelled():
            return None
        return answer.result()

    async def _answer(self, record: ProxiedRequest, raw: bytes, connection: _Connection) -> bytes | None:
        match self.fault:
            case Fault.HANG:
                await self._stopping.wait()
                return None
            case Fault.GARBAGE:
                record.status = 200
                return _http(200, "OK", "application/json", GARBAGE)
            case Fault.BAD_GATEWAY:
                record.status = 502
                return _http(502, "Bad Gateway", "text/html", BAD_GATEWAY_PAGE)
            case Fault.LOGIN_PAGE:
                record.status = 401
                return _http(401, "Unauthorized", "text/html", LOGIN_PAGE)
            case Fault.SLOW:
                await _real_delay(self.delay)
        return await self._forward(record, raw, connection)

    async def _forward(self, record: ProxiedRequest, raw: bytes, connection: _Connection) -> bytes | None:
        if connection.upstream is None:
            try:
                connection.upstream = await asyncio.open_connection("127.0.0.1", self.upstream_port)
            except OSError:
                return None  # deluge-web is down: the client's connection is closed unanswered
        upstream_reader, upstream_writer = connection.upstream
        try:
            upstream_writer.write(raw)
            await upstream_writer.drain()
            status, answer, keep_alive = await _read_response(upstream_reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            connection.close_upstream()
            return None
        except asyncio.CancelledError:
            connection.close_upstream()  # the client left mid-answer: the upstream state is unknown
            raise
        if not keep_alive:
            connection.close_upstream()
        record.status = status
        return answer


async def _real_delay(seconds: float) -> None:
    """Wait ``seconds`` of real time (the loop's clock may be frozen), in steps a cancel can stop."""
    loop = asyncio.get_running_loop()
    step = 0.02
    for _ in range(max(1, round(seconds / step))):  # counted: freezegun stops every clock
        await loop.run_in_executor(None, time.sleep, step)


def _headers(head: bytes) -> dict[bytes, bytes]:
    headers: dict[bytes, bytes] = {}
    for line in head.split(_LINE_END)[1:]:
        name, separator, value = line.partition(b":")
        if separator:
            headers[name.strip().lower()] = value.strip()
    return headers


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    try:
        head = await reader.readuntil(_HEAD_END)
    except asyncio.IncompleteReadError as err:
        if not err.partial:
            return None  # closed between requests
        raise
    length = int(_headers(head).get(b"content-length", b"0"))
    return head, await reader.readexactly(length) if length else b""


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Read one whole response: its status, its bytes as sent, and whether the connection stays open."""
    head = await reader.readuntil(_HEAD_END)
    status = int(head.split(b" ", 2)[1])
    headers = _headers(head)
    answer = bytearray(head)
    keep_alive = headers.get(b"connection", b"").lower() != b"close"
    if headers.get(b"transfer-encoding", b"").lower().endswith(b"chunked"):
        while True:
            size_line = await reader.readuntil(_LINE_END)
            answer += size_line
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while (trailer := await reader.readuntil(_LINE_END)) != _LINE_END:
                    answer += trailer
                answer += _LINE_END
                break
            answer += await reader.readexactly(size + len(_LINE_END))
    elif (length := headers.get(b"content-length")) is not None:
        answer += await reader.readexactly(int(length))
    elif status not in _NO_BODY_STATUSES and status >= 200:
        answer += await reader.read()
        keep_alive = False
    return status, bytes(answer), keep_alive


def _http(status: int, reason: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _method(body: bytes) -> str:
    try:
        method = json.loads(body).get("method")
    except (ValueError, AttributeError):
        return "?"
    return method if isinstance(method, str) else "?"
