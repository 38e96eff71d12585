"""A scripted stand-in for Deluge's /json endpoint on 127.0.0.1, for faults a real Deluge can't make."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import json

from aiohttp import web

from tests.deluge_harness import free_port

PASSWORD = "fake-pässwörd-SECRET-7f3a"
COOKIE = "SECRETCOOKIE7f3a9c0d1e2b4a5f6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"

type RawResponder = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class FakeDeluge:
    """Answers like Deluge (login, cookie, error objects) unless told to misbehave.

    ``results`` maps methods to their results, ``errors`` to ``(code, message)``; ``raw``
    replaces the whole HTTP answer for one method and ``raw_all`` for every request.
    Unknown methods get code 2, calls without the login cookie code 1.
    """

    results: dict[str, object] = field(default_factory=lambda: {"web.connected": True})
    errors: dict[str, tuple[int, str]] = field(default_factory=dict)
    raw: dict[str, RawResponder] = field(default_factory=dict)
    raw_all: RawResponder | None = None
    calls: list[str] = field(default_factory=list)
    valid_cookies: set[str] = field(default_factory=set)
    accept_cookies: bool = True
    port: int = field(default_factory=free_port)
    _runner: web.AppRunner | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def logins(self) -> int:
        return self.calls.count("auth.login")

    def expire_sessions(self) -> None:
        self.valid_cookies.clear()

    async def start(self) -> FakeDeluge:
        app = web.Application()
        app.router.add_post("/json", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def hang(self, _request: web.Request) -> web.StreamResponse:
        """Never answer (until the fake stops)."""
        await self._release.wait()
        return web.Response(status=500)

    async def hang_after_headers(self, request: web.Request) -> web.StreamResponse:
        """Send a 200 and its headers, then never the body."""
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = 100
        await response.prepare(request)
        await response.write(b'{"result": ')
        await self._release.wait()
        return response

    async def drop_connection(self, request: web.Request) -> web.StreamResponse:
        """Close the connection without answering, like a web UI that just died."""
        assert request.transport is not None
        request.transport.close()
        await self._release.wait()
        return web.Response(status=500)

    async def _handle(self, request: web.Request) -> web.StreamResponse:  # noqa: PLR0911
        payload = json.loads(await request.read())
        method, params = payload["method"], payload["params"]
        self.calls.append(method)
        if self.raw_all is not None:
            return await self.raw_all(request)
        if method in self.raw:
            return await self.raw[method](request)
        if method == "auth.login":
            response = _rpc(result=params == [PASSWORD], request_id=payload["id"])
            if params == [PASSWORD]:
                self.valid_cookies.add(COOKIE)
                if self.accept_cookies:
                    response.set_cookie("_session_id", COOKIE, path="/")
            return response
        if request.cookies.get("_session_id") not in self.valid_cookies:
            return _rpc(error=(1, "Not authenticated"), request_id=payload["id"])
        if method in self.errors:
            return _rpc(error=self.errors[method], request_id=payload["id"])
        if method in self.results:
            return _rpc(result=self.results[method], request_id=payload["id"])
        return _rpc(error=(2, "Unknown method"), request_id=payload["id"])


def _rpc(*, result: object = None, error: tuple[int, str] | None = None, request_id: object) -> web.Response:
    error_object = None if error is None else {"message": error[1], "code": error[0]}
    return web.json_response({"result": result, "error": error_object, "id": request_id})


def respond(
    status: int, body: bytes | str, content_type: str = "text/html", headers: dict[str, str] | None = None
) -> RawResponder:
    """A fixed HTTP answer, such as a reverse proxy's error page."""
    data = body.encode() if isinstance(body, str) else body

    async def responder(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=data, content_type=content_type, headers=headers)

    return responder


def respond_json(document: object, status: int = 200) -> RawResponder:
    return respond(status, json.dumps(document), "application/json")
