"""A stand-in Deluge Web UI that answers ``webapi.get_torrents`` with a big realistic body.

Run as a process of its own by benchmarks/poll.py (so serving 4-5 MB costs the measured event
loop nothing), with a ``webapi.get_torrents`` answer captured from a real Deluge. It multiplies
the captured torrents to ``--count``: each copy keeps the captured keys, their order and value
types, gets a fresh hash, and values shaped like a busy seedbox's (names, states, rates, sizes,
from client_parse.realistic_torrent). Two variants of the body differ in the upload figures of
every tenth torrent, as between two polls of a real seedbox; ``bench.variant`` picks the one
served. Bodies are gzip-compressed once, at level 9 like Deluge's Twisted server does per answer.

Every other method is forwarded to the real Deluge at ``--upstream``: the small calls of a poll
get real answers, and so does anything the integration asks that this file does not know.
Prints ``READY <port>`` when listening.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
from pathlib import Path
import random
import secrets
import sys
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))

from client_parse import realistic_torrent

GZIP_LEVEL = 9  # twisted.web.server.GzipEncoderFactory's
CHANGED_EVERY = 10  # every tenth torrent's upload figures differ between the variants
POLL_SECONDS = 30
NOT_AUTHENTICATED = 1


def build_bodies(captured: bytes, count: int) -> dict[str, bytes]:
    """Return the two variants ``a`` and ``b`` of the multiplied answer, as JSON bytes."""
    document = json.loads(captured)
    templates: list[dict[str, Any]] = document["result"]["torrents"]
    rng = random.Random(10_000)  # noqa: S311  # reproducible test data
    first: list[dict[str, Any]] = []
    for index in range(count):
        template = templates[index % len(templates)]
        varied = realistic_torrent(rng, index)
        first.append({key: _like(value, varied.get(key, value)) for key, value in template.items()})
    second = [dict(torrent) for torrent in first]
    for torrent in second[::CHANGED_EVERY]:
        rate = rng.randrange(1, 2_000_000)
        torrent["upload_payload_rate"] = rate
        torrent["total_uploaded"] = torrent["total_uploaded"] + rate * POLL_SECONDS
        if torrent["total_done"]:
            torrent["ratio"] = torrent["total_uploaded"] / torrent["total_done"]
    return {
        variant: json.dumps({**document, "result": {"torrents": torrents}}).encode()
        for variant, torrents in (("a", first), ("b", second))
    }


def _like(captured: object, value: object) -> object:
    """``value`` in the captured value's number type (Deluge's float stays a float)."""
    if type(captured) is float and type(value) is int:
        return float(value)
    if type(captured) is int and type(value) is float and value.is_integer():
        return int(value)
    return value


class FakeDeluge:
    """The Web UI's /json endpoint: its own login, the replayed body, the rest forwarded."""

    def __init__(self, bodies: dict[str, bytes], upstream: str, password: str) -> None:
        self._plain = bodies
        self._gzipped = {variant: gzip.compress(body, GZIP_LEVEL) for variant, body in bodies.items()}
        self._variant = "a"
        self._upstream = f"{upstream}/json"
        self._password = password
        self._session_id = secrets.token_hex(16)
        self._session: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one JSON-RPC call."""
        call = json.loads(await request.read())
        method, params, call_id = call.get("method"), call.get("params") or [], call.get("id")
        if method == "auth.login":
            accepted = params == [self._password]
            response = web.json_response({"result": accepted, "error": None, "id": call_id})
            if accepted:
                response.set_cookie("_session_id", self._session_id, path="/")
            return response
        if request.cookies.get("_session_id") != self._session_id:
            error = {"message": "Not authenticated", "code": NOT_AUTHENTICATED}
            return web.json_response({"result": None, "error": error, "id": call_id})
        if method == "bench.variant":
            self._variant = str(params[0])
            return web.json_response({"result": True, "error": None, "id": call_id})
        if method == "webapi.get_torrents":
            if "gzip" in request.headers.get("Accept-Encoding", ""):
                return web.Response(
                    body=self._gzipped[self._variant],
                    headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
                )
            return web.Response(body=self._plain[self._variant], content_type="application/json")
        return web.Response(body=await self._forward(call), content_type="application/json")

    async def _forward(self, call: dict[str, Any]) -> bytes:
        if self._session is None:
            self._session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
            await self._post({"id": 0, "method": "auth.login", "params": [self._password]})
        return await self._post(call)

    async def _post(self, call: dict[str, Any]) -> bytes:
        assert self._session is not None
        async with self._session.post(self._upstream, json=call) as response:
            return await response.read()


async def serve(fake: FakeDeluge) -> None:
    """Listen on a free loopback port until killed."""
    app = web.Application(client_max_size=64 << 20)
    app.router.add_post("/json", fake.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server  # noqa: SLF001  # the only way to learn the port aiohttp picked
    assert isinstance(server, asyncio.Server)
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    """Build the bodies, then serve."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--captured", type=Path, required=True, help="a real webapi.get_torrents answer")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="the real Deluge Web UI's base URL")
    parser.add_argument("--password", required=True)
    arguments = parser.parse_args()
    bodies = build_bodies(arguments.captured.read_bytes(), arguments.count)
    asyncio.run(serve(FakeDeluge(bodies, arguments.upstream, arguments.password)))


if __name__ == "__main__":
    main()
