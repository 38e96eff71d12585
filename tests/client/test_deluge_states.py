"""The client against real Deluges in awkward states: logins, plugins, daemon, web restarts, TLS."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import signal

import aiohttp
import pytest

from custom_components.deluge_webapi.client import (
    DelugeAuthenticationError,
    DelugeDaemonNotConnectedError,
    DelugeLabelPluginMissingError,
    DelugeSSLError,
    DelugeWebApiMissingError,
    DelugeWebClient,
)
from tests.conftest import DELUGE_PASSWORD
from tests.deluge_harness import DelugeServer, make_torrent

from .conftest import RequestLog

type Factory = Callable[..., DelugeServer]


def client_of(
    server: DelugeServer,
    session: aiohttp.ClientSession,
    *,
    verify_ssl: bool = True,
    request_timeout: float = 10.0,
) -> DelugeWebClient:
    return DelugeWebClient(
        session, server.url, server.password, verify_ssl=verify_ssl, request_timeout=request_timeout
    )


async def test_login_with_non_ascii_password_on_an_ip_host(
    client: DelugeWebClient, request_log: RequestLog
) -> None:
    assert client.address.host == "127.0.0.1"

    await client.login()

    assert await client.web_connected() is True
    assert request_log.methods == ["auth.login", "web.connected"]
    assert request_log.content_types == ["application/json", "application/json"]


async def test_concurrent_first_calls_share_one_login(
    client: DelugeWebClient, request_log: RequestLog
) -> None:
    results = await asyncio.gather(*(client.web_connected() for _ in range(8)))

    assert results == [True] * 8
    assert request_log.count("auth.login") == 1
    assert request_log.count("web.connected") == 8


async def test_wrong_password(deluge: DelugeServer, http_session: aiohttp.ClientSession) -> None:
    client = DelugeWebClient(http_session, deluge.url, DELUGE_PASSWORD[:-1])

    with pytest.raises(DelugeAuthenticationError, match="refused the password") as raised:
        await client.get_torrents()

    assert DELUGE_PASSWORD[:-1] not in f"{raised.value} {raised.value!r}"


async def test_default_cookie_jar_on_an_ip_host_fails_clearly(deluge: DelugeServer) -> None:
    """What the class docstring warns about: aiohttp's default jar drops an IP host's cookie."""
    async with aiohttp.ClientSession() as session:
        client = DelugeWebClient(session, deluge.url, DELUGE_PASSWORD)

        with pytest.raises(DelugeAuthenticationError, match=r"CookieJar\(unsafe=True\)"):
            await client.web_connected()


async def _delete_session(url: str, session_id: str) -> None:
    """End a web session the way Deluge does: auth.delete_session, called with that session's cookie."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as other:
        for method, expected in (("auth.delete_session", {"result": True, "error": None}),):
            async with other.post(
                f"{url}/json",
                json={"id": 1, "method": method, "params": []},
                headers={"Cookie": f"_session_id={session_id}"},
            ) as response:
                answer = await response.json()
            assert {key: answer[key] for key in expected} == expected
        async with other.post(
            f"{url}/json",
            json={"id": 2, "method": "web.connected", "params": []},
            headers={"Cookie": f"_session_id={session_id}"},
        ) as response:
            assert (await response.json())["error"] == {"message": "Not authenticated", "code": 1}


def _session_cookie(session: aiohttp.ClientSession) -> str:
    return next(cookie.value for cookie in session.cookie_jar if cookie.key == "_session_id")


async def test_deleted_session_costs_exactly_one_login(
    deluge: DelugeServer,
    client: DelugeWebClient,
    http_session: aiohttp.ClientSession,
    request_log: RequestLog,
) -> None:
    assert await client.web_connected() is True
    await _delete_session(deluge.url, _session_cookie(http_session))

    assert await client.get_api_version() == "0.4.0"

    assert request_log.methods == [
        "auth.login",
        "web.connected",
        "webapi.get_api_version",  # answered "Not authenticated"
        "auth.login",
        "webapi.get_api_version",
    ]


async def test_deleted_session_under_concurrent_calls_costs_one_login(
    deluge: DelugeServer,
    client: DelugeWebClient,
    http_session: aiohttp.ClientSession,
    request_log: RequestLog,
) -> None:
    assert await client.web_connected() is True
    await _delete_session(deluge.url, _session_cookie(http_session))

    results = await asyncio.gather(*(client.web_connected() for _ in range(6)))

    assert results == [True] * 6
    assert request_log.count("auth.login") == 2  # the first one, and one for all six


async def test_web_ui_restart_mid_run(
    deluge_factory: Factory, http_session: aiohttp.ClientSession, request_log: RequestLog
) -> None:
    server = deluge_factory()
    client = client_of(server, http_session)
    assert await client.get_torrents() == {}

    server.restart_web()

    # The pooled keep-alive connection died with the old deluge-web: the client sends once more.
    # Deluge 2.2.0 keeps sessions in web.conf across restarts, so the cookie still works.
    assert await client.get_torrents() == {}
    assert request_log.count("auth.login") == 1


async def test_web_ui_restart_that_lost_the_session(
    deluge_factory: Factory, http_session: aiohttp.ClientSession, request_log: RequestLog
) -> None:
    server = deluge_factory()
    client = client_of(server, http_session)
    assert await client.get_torrents() == {}
    await _delete_session(server.url, _session_cookie(http_session))

    server.restart_web()

    assert await client.get_torrents() == {}
    assert request_log.count("auth.login") == 2


async def test_web_ui_not_connected_at_start(
    deluge_factory: Factory, http_session: aiohttp.ClientSession, request_log: RequestLog
) -> None:
    server = deluge_factory(web_connects_on_start=False)
    client = client_of(server, http_session)
    assert await client.web_connected() is False
    with pytest.raises(DelugeDaemonNotConnectedError):
        await client.get_torrents()
    with pytest.raises(DelugeDaemonNotConnectedError):
        await client.get_session_status()

    await client.ensure_daemon_connected()

    assert request_log.count("web.connect") == 1
    assert await client.web_connected() is True
    assert await client.get_api_version() == "0.4.0"
    assert await client.get_torrents() == {}
    await client.ensure_daemon_connected()
    assert request_log.count("web.connect") == 1  # connected already: nothing to do


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
async def test_daemon_goes_away_and_comes_back(
    deluge_factory: Factory, http_session: aiohttp.ClientSession, sig: signal.Signals
) -> None:
    server = deluge_factory()
    client = client_of(server, http_session, request_timeout=5)
    torrent_id = await client.add_torrent(make_torrent(server.download_dir, "kept.bin").metainfo)

    server.stop_daemon(sig)

    for _ in range(50):
        if not await client.web_connected():
            break
        await asyncio.sleep(0.1)
    with pytest.raises(DelugeDaemonNotConnectedError):
        await client.get_torrents()
    with pytest.raises(DelugeDaemonNotConnectedError):
        await client.ensure_daemon_connected()  # no daemon online to connect to

    server.start_daemon()
    await client.ensure_daemon_connected()

    # Right after connecting, the web UI's torrent cache is still empty for a second while the
    # daemon has its torrents: the client must not report an empty Deluge.
    torrents = await client.get_torrents()
    assert set(torrents) == set(server.torrents())
    if sig == signal.SIGTERM:  # a clean shutdown saved the torrent
        assert list(torrents) == [torrent_id]
        assert torrents[torrent_id].name == "kept.bin"


async def test_webapi_plugin_missing(deluge_factory: Factory, http_session: aiohttp.ClientSession) -> None:
    server = deluge_factory(webapi_enabled=False)
    client = client_of(server, http_session)

    with pytest.raises(DelugeWebApiMissingError):
        await client.get_torrents()
    with pytest.raises(DelugeWebApiMissingError):
        await client.get_server_info()
    assert await client.web_connected() is True


async def test_label_plugin_missing(deluge_factory: Factory, http_session: aiohttp.ClientSession) -> None:
    server = deluge_factory(label_enabled=False)
    client = client_of(server, http_session)
    torrent_id = await client.add_torrent(make_torrent(server.download_dir, "unlabelled.bin").metainfo)

    with pytest.raises(DelugeLabelPluginMissingError):
        await client.get_labels()
    with pytest.raises(DelugeLabelPluginMissingError):
        await client.add_label("movies")
    with pytest.raises(DelugeLabelPluginMissingError):
        await client.set_torrent_label(torrent_id, "movies")
    with pytest.raises(DelugeLabelPluginMissingError):
        await client.call("label.get_labels")  # Deluge: "Unknown method"
    torrents = await client.get_torrents()
    assert torrents[torrent_id].label is None
    assert torrents[torrent_id].name == "unlabelled.bin"


async def test_https_with_deluges_self_signed_certificate(
    deluge_factory: Factory, http_session: aiohttp.ClientSession
) -> None:
    server = deluge_factory(web_https=True)
    assert server.url.startswith("https://")

    with pytest.raises(DelugeSSLError):
        await client_of(server, http_session).login()

    assert await client_of(server, http_session, verify_ssl=False).web_connected() is True
