"""Faults a real Deluge can't be made to produce, against a fake one; nothing may leak secrets.

Every exception raised in this module goes through ``expect``, and after each test the
``no_leaks`` fixture checks that neither its str/repr (nor those of its causes) nor the
captured log mentions the password or the session cookie.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
import logging
import time

import aiohttp
import pytest

from custom_components.deluge_webapi.client import (
    DelugeAuthenticationError,
    DelugeConnectionError,
    DelugeDaemonNotConnectedError,
    DelugeError,
    DelugeLabelPluginMissingError,
    DelugeMethodNotFoundError,
    DelugeResponseError,
    DelugeServerError,
    DelugeTimeoutError,
    DelugeWebApiMissingError,
    DelugeWebClient,
)
from tests.deluge_harness import free_port

from .fake_deluge import COOKIE, PASSWORD, FakeDeluge, respond, respond_json

SECRETS = (PASSWORD, COOKIE)
HASH = "e817b0bcfdf733fbcbf6efbd7821ac18a81e7768"

raised_errors: list[BaseException] = []


@pytest.fixture(autouse=True)
def no_leaks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    raised_errors.clear()
    yield
    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    texts = [logging.Formatter().format(record) for record in records]
    for error in raised_errors:
        cause: BaseException | None = error
        while cause is not None:
            texts += [str(cause), repr(cause)]
            cause = cause.__cause__ or cause.__context__
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


async def expect[E: BaseException](error_type: type[E], awaitable: Awaitable[object]) -> E:
    with pytest.raises(error_type) as raised:
        await awaitable
    raised_errors.append(raised.value)
    return raised.value


@pytest.fixture
def client(fake_deluge: FakeDeluge, http_session: aiohttp.ClientSession) -> DelugeWebClient:
    return DelugeWebClient(http_session, fake_deluge.url, PASSWORD, request_timeout=0.5)


async def test_logs_and_repr_hold_no_secrets(
    client: DelugeWebClient, fake_deluge: FakeDeluge, caplog: pytest.LogCaptureFixture
) -> None:
    assert await client.web_connected() is True
    fake_deluge.expire_sessions()
    assert await client.web_connected() is True

    assert fake_deluge.logins == 2
    assert "Calling auth.login" in caplog.text  # the log is really captured
    assert PASSWORD not in repr(client)
    assert repr(client) == f"DelugeWebClient(address='{fake_deluge.url}')"


async def test_request_that_never_answers_times_out(client: DelugeWebClient, fake_deluge: FakeDeluge) -> None:
    fake_deluge.raw["webapi.get_torrents"] = fake_deluge.hang
    started = time.monotonic()

    error = await expect(DelugeTimeoutError, client.get_torrents())

    assert time.monotonic() - started < 3
    assert isinstance(error, DelugeConnectionError)
    assert "0.5 s" in str(error)


async def test_body_that_never_ends_times_out(client: DelugeWebClient, fake_deluge: FakeDeluge) -> None:
    fake_deluge.raw["web.connected"] = fake_deluge.hang_after_headers

    await expect(DelugeTimeoutError, client.web_connected())


async def test_dropped_connection_is_sent_once_more_then_fails(
    client: DelugeWebClient, fake_deluge: FakeDeluge
) -> None:
    fake_deluge.raw["web.connected"] = fake_deluge.drop_connection

    await expect(DelugeConnectionError, client.web_connected())

    assert fake_deluge.calls.count("web.connected") == 2


async def test_nothing_listening(http_session: aiohttp.ClientSession, socket_enabled: None) -> None:
    client = DelugeWebClient(http_session, f"127.0.0.1:{free_port()}", PASSWORD)

    error = await expect(DelugeConnectionError, client.login())

    assert type(error) is DelugeConnectionError


@pytest.mark.parametrize(
    "body",
    [b"\x00\xff\xfegarbage\x80", b"", b"{not json", b"<html><body>It works!</body></html>"],
)
async def test_not_json(client: DelugeWebClient, fake_deluge: FakeDeluge, body: bytes) -> None:
    fake_deluge.raw_all = respond(200, body)

    await expect(DelugeResponseError, client.login())


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_proxy_says_deluge_is_down(
    client: DelugeWebClient, fake_deluge: FakeDeluge, status: int
) -> None:
    fake_deluge.raw_all = respond(status, "<html><head><title>502 Bad Gateway</title></head></html>")

    error = await expect(DelugeConnectionError, client.get_torrents())

    assert f"HTTP {status}" in str(error)


async def test_proxy_asks_for_its_own_login(client: DelugeWebClient, fake_deluge: FakeDeluge) -> None:
    fake_deluge.raw_all = respond(
        401, "Unauthorized", "text/plain", {"WWW-Authenticate": 'Basic realm="nas"'}
    )

    error = await expect(DelugeResponseError, client.login())

    assert not isinstance(error, DelugeAuthenticationError)
    assert "HTTP 401" in str(error)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_redirect_is_not_followed(
    client: DelugeWebClient, fake_deluge: FakeDeluge, status: int
) -> None:
    fake_deluge.raw_all = respond(status, "", "text/html", {"Location": "https://elsewhere.example/json"})

    error = await expect(DelugeResponseError, client.login())

    assert "check http/https and the path" in str(error)
    assert fake_deluge.logins == 1


@pytest.mark.parametrize(
    "document",
    [
        [1, 2, 3],
        "result",
        {"jsonrpc": "2.0"},
        {"result": None, "error": "Torrent already in session", "id": 1},
        {"result": None, "error": {"message": ["x"], "code": 4}, "id": 1},
    ],
)
async def test_wrong_json_shape(client: DelugeWebClient, fake_deluge: FakeDeluge, document: object) -> None:
    fake_deluge.raw["web.connected"] = respond_json(document)

    await expect(DelugeResponseError, client.web_connected())


async def test_json_rpc_with_a_non_200_status(client: DelugeWebClient, fake_deluge: FakeDeluge) -> None:
    fake_deluge.raw_all = respond_json({"result": True, "error": None, "id": 1}, status=500)

    await expect(DelugeResponseError, client.login())


@pytest.mark.parametrize(
    ("method", "result"),
    [
        ("web.connected", "yes"),
        ("webapi.get_torrents", []),
        ("webapi.add_torrent", "not-an-id"),
        ("core.get_session_status", None),
        ("core.get_enabled_plugins", {"Label": True}),
    ],
)
async def test_wrong_result_types(
    client: DelugeWebClient, fake_deluge: FakeDeluge, method: str, result: object
) -> None:
    fake_deluge.results[method] = result
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "web.connected": client.web_connected,
        "webapi.get_torrents": client.get_torrents,
        "webapi.add_torrent": lambda: client.add_torrent(f"magnet:?xt=urn:btih:{HASH}"),
        "core.get_session_status": client.get_session_status,
        "core.get_enabled_plugins": client.get_enabled_plugins,
    }

    await expect(DelugeResponseError, calls[method]())


async def test_wrong_password(fake_deluge: FakeDeluge, http_session: aiohttp.ClientSession) -> None:
    client = DelugeWebClient(http_session, fake_deluge.url, PASSWORD + "x")

    await expect(DelugeAuthenticationError, client.get_torrents())

    assert fake_deluge.calls == ["auth.login"]


async def test_login_answering_neither_true_nor_false(
    client: DelugeWebClient, fake_deluge: FakeDeluge
) -> None:
    fake_deluge.raw["auth.login"] = respond_json({"result": "session-id", "error": None, "id": 1})

    await expect(DelugeResponseError, client.login())


async def test_cookie_never_kept_is_an_authentication_error_after_one_retry(
    client: DelugeWebClient, fake_deluge: FakeDeluge
) -> None:
    fake_deluge.accept_cookies = False

    error = await expect(DelugeAuthenticationError, client.web_connected())

    assert "after a fresh login" in str(error)
    assert fake_deluge.calls == ["auth.login", "web.connected", "auth.login", "web.connected"]


async def test_concurrent_calls_after_expiry_share_one_login(
    client: DelugeWebClient, fake_deluge: FakeDeluge
) -> None:
    fake_deluge.results["web.get_hosts"] = []
    results = await asyncio.gather(*(client.web_connected() for _ in range(5)))
    assert results == [True] * 5
    assert fake_deluge.logins == 1
    fake_deluge.expire_sessions()

    results = await asyncio.gather(*(client.web_connected() for _ in range(5)))

    assert results == [True] * 5
    assert fake_deluge.logins == 2


@pytest.mark.parametrize(
    ("connected", "method", "error_type"),
    [
        (True, "webapi.get_torrents", DelugeWebApiMissingError),
        (True, "label.get_labels", DelugeLabelPluginMissingError),
        (True, "core.no_such_method", DelugeMethodNotFoundError),
        (True, "web.no_such_method", DelugeMethodNotFoundError),
        (False, "webapi.get_torrents", DelugeDaemonNotConnectedError),
        (False, "label.get_labels", DelugeDaemonNotConnectedError),
        (False, "core.get_session_status", DelugeDaemonNotConnectedError),
    ],
)
async def test_unknown_method_is_explained(
    client: DelugeWebClient,
    fake_deluge: FakeDeluge,
    connected: bool,
    method: str,
    error_type: type[DelugeError],
) -> None:
    fake_deluge.results["web.connected"] = connected

    error = await expect(error_type, client.call(method))

    assert type(error) is error_type


async def test_empty_list_while_not_connected_is_not_trusted(
    client: DelugeWebClient, fake_deluge: FakeDeluge
) -> None:
    fake_deluge.results |= {"webapi.get_torrents": {"torrents": []}, "web.connected": False}

    await expect(DelugeDaemonNotConnectedError, client.get_torrents())


async def test_empty_list_while_the_web_ui_loads_asks_the_daemon(
    client: DelugeWebClient, fake_deluge: FakeDeluge
) -> None:
    fake_deluge.results |= {
        "webapi.get_torrents": {"torrents": []},
        "core.get_session_state": [HASH],
        "core.get_torrents_status": {HASH: {"hash": HASH, "name": "from the daemon"}},
    }

    torrents = await client.get_torrents()

    assert torrents[HASH].name == "from the daemon"
    assert await client.get_torrents(["0" * 40]) == {}  # not in the daemon either


async def test_empty_list_with_an_empty_daemon(client: DelugeWebClient, fake_deluge: FakeDeluge) -> None:
    fake_deluge.results |= {"webapi.get_torrents": {"torrents": []}, "core.get_session_state": []}

    assert await client.get_torrents() == {}
    assert "core.get_torrents_status" not in fake_deluge.calls


async def test_hostile_torrents_through_the_client(client: DelugeWebClient, fake_deluge: FakeDeluge) -> None:
    fake_deluge.results["webapi.get_torrents"] = {
        "torrents": [
            {"hash": HASH, "name": "\x1b]0;pwned\x07" + "n" * 10_000, "state": "Bogus", "total_size": -1},
            {"hash": "not a hash", "name": "skipped"},
            "garbage",
        ]
    }

    torrents = await client.get_torrents()

    assert list(torrents) == [HASH]
    assert torrents[HASH].name == "]0;pwned" + "n" * 247
    assert torrents[HASH].state == "Bogus"
    assert torrents[HASH].total_size is None


async def test_server_error_is_one_line(client: DelugeWebClient, fake_deluge: FakeDeluge) -> None:
    fake_deluge.errors["core.set_config"] = (
        4,
        (
            "Failure: [Failure instance: Traceback (failure with no frames): "
            "<class 'deluge.error.WrappedException'>: boom\nTraceback (most recent call last):\n"
            '  File "core.py", line 1, in set_config\nValueError: boom\n\n]'
        ),
    )

    error = await expect(DelugeServerError, client.set_config({"x": 1}))

    assert str(error) == "ValueError: boom"
    assert (error.code, error.method) == (4, "core.set_config")


async def test_add_label_that_exists_is_a_no_op(client: DelugeWebClient, fake_deluge: FakeDeluge) -> None:
    fake_deluge.results["core.get_enabled_plugins"] = ["WebAPI", "Label"]
    fake_deluge.errors["label.add"] = (
        4,
        "Failure: [... <class 'deluge.error.WrappedException'>: Label already exists",
    )

    await client.add_label("Movies")

    assert fake_deluge.calls[-1] == "label.add"


async def test_plugin_check_before_labels(client: DelugeWebClient, fake_deluge: FakeDeluge) -> None:
    fake_deluge.results |= {"core.get_enabled_plugins": ["WebAPI"], "label.get_labels": ["movies"]}

    await expect(DelugeLabelPluginMissingError, client.get_labels())

    assert "label.get_labels" not in fake_deluge.calls


async def test_free_space_unknown(client: DelugeWebClient, fake_deluge: FakeDeluge) -> None:
    fake_deluge.results["core.get_free_space"] = -1

    assert await client.get_free_space() is None


async def test_daemon_connection_fails(client: DelugeWebClient, fake_deluge: FakeDeluge) -> None:
    fake_deluge.results |= {
        "web.connected": False,
        "web.get_hosts": [["a" * 40, "127.0.0.1", 58846, "localclient"], ["b" * 40, "10.0.0.9", 58846, "x"]],
        "web.get_host_status": ["a" * 40, "Online", "2.2.0"],
        "web.connect": None,
    }

    error = await expect(DelugeDaemonNotConnectedError, client.ensure_daemon_connected())

    assert "2 known daemons" in str(error)
    assert fake_deluge.calls.count("web.connect") == 2
