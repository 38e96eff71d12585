"""Fixtures for the client tests: a real aiohttp session that records what it sends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
import json
from types import SimpleNamespace

import aiohttp
import pytest

from custom_components.deluge_webapi.client import DelugeWebClient, models
from tests.conftest import DELUGE_PASSWORD
from tests.deluge_harness import DelugeServer

from .fake_deluge import FakeDeluge


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Replace the root autouse fixture: the client's tests run without Home Assistant."""


@dataclass
class RequestLog:
    """The JSON-RPC method and Content-Type of every request the session sent."""

    methods: list[str] = field(default_factory=list)
    content_types: list[str | None] = field(default_factory=list)

    def count(self, method: str) -> int:
        return self.methods.count(method)


@pytest.fixture
def request_log() -> RequestLog:
    return RequestLog()


@pytest.fixture
async def http_session(request_log: RequestLog) -> AsyncIterator[aiohttp.ClientSession]:
    """A real session with the cookie jar IP hosts need, recording each request."""

    async def on_headers_sent(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestHeadersSentParams,
    ) -> None:
        request_log.content_types.append(params.headers.get("Content-Type"))

    async def on_chunk_sent(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestChunkSentParams,
    ) -> None:
        request_log.methods.append(json.loads(params.chunk)["method"])

    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(on_headers_sent)
    trace.on_request_chunk_sent.append(on_chunk_sent)
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), trace_configs=[trace])
    yield session
    await session.close()


@pytest.fixture
def client(deluge: DelugeServer, http_session: aiohttp.ClientSession) -> DelugeWebClient:
    """A client of the shared real Deluge."""
    return DelugeWebClient(http_session, deluge.url, DELUGE_PASSWORD)


@pytest.fixture
async def fake_deluge(socket_enabled: None) -> AsyncIterator[FakeDeluge]:
    fake = await FakeDeluge().start()
    yield fake
    await fake.stop()


@pytest.fixture
def decoded_pieces(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The torrent pieces TorrentListParser.decode_answer decodes one by one, recorded."""
    pieces: list[bytes] = []
    decode: Callable[[bytes], object] = models.decode_piece

    def record(piece: bytes) -> object:
        pieces.append(piece)
        return decode(piece)

    monkeypatch.setattr(models, "decode_piece", record)
    return pieces
