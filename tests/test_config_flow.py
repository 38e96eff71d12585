"""The config flow, reauth, reconfigure and options, against a real Deluge wherever it can say so.

Every error path ends in recovery: the user fixes the input (or Deluge gets fixed) and the flow
creates or updates the entry. The client is patched only for failures a real Deluge cannot be
made to produce on demand.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator, Mapping
import logging
import time
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_SCAN_INTERVAL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, get_schema_suggested_value

from custom_components.deluge_webapi.client import (
    DelugeAddress,
    DelugeAuthenticationError,
    DelugeConnectionError,
    DelugeDaemonNotConnectedError,
    DelugeError,
    DelugeInvalidAddressError,
    DelugeResponseError,
    DelugeServerError,
    DelugeSSLError,
    DelugeTimeoutError,
    DelugeWebApiMissingError,
    DelugeWebClient,
)
from custom_components.deluge_webapi.config_flow import entry_title, form_errors
from custom_components.deluge_webapi.const import (
    CONF_MAX_TORRENT_ENTITIES,
    CONF_TORRENT_ENTITIES,
    CONF_TURTLE_DOWNLOAD_KIB,
    CONF_TURTLE_UPLOAD_KIB,
    DOMAIN,
    TorrentEntities,
)
from tests.conftest import DELUGE_PASSWORD, DelugeFactory
from tests.deluge_harness import DelugeRpcError, DelugeServer, free_port


@pytest.fixture(autouse=True)
def mock_setup_entry() -> Generator[AsyncMock]:
    """Entries the flow creates or reloads are 'set up' without the coordinator."""
    with patch("custom_components.deluge_webapi.async_setup_entry", return_value=True) as mock:
        yield mock


@pytest.fixture(autouse=True)
def password_never_logged(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Whatever a test does, no log line (at any level) carries the password."""
    caplog.set_level(logging.DEBUG)
    yield
    assert DELUGE_PASSWORD not in caplog.text
    assert "wrong password" not in caplog.text


async def wait_for_method(server: DelugeServer, method: str) -> None:
    """Until the web UI knows ``method`` (as a user would wait a moment before trying again)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            server.call(method)
        except DelugeRpcError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)
        else:
            return


def suggested(result: Mapping[str, Any], key: str) -> Any:
    """The value a form shows pre-filled in field ``key``."""
    assert result["data_schema"] is not None
    return get_schema_suggested_value(result["data_schema"].schema, key)


def host_of(server: DelugeServer) -> str:
    """The shortest way a user would type this Deluge's address."""
    return f"127.0.0.1:{server.web_port}"


def unique_id_of(server: DelugeServer) -> str:
    return f"http://127.0.0.1:{server.web_port}"


async def start_user_flow(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return result["flow_id"]


async def submit(hass: HomeAssistant, flow_id: str, user_input: dict[str, Any]) -> Any:
    return await hass.config_entries.flow.async_configure(flow_id, user_input)


def user_input(host: str, password: str = DELUGE_PASSWORD, *, verify_ssl: bool = True) -> dict[str, Any]:
    return {CONF_HOST: host, CONF_PASSWORD: password, CONF_VERIFY_SSL: verify_ssl}


def assert_created(result: Any, server: DelugeServer, host: str, *, verify_ssl: bool = True) -> None:
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == host_of(server)
    assert result["data"] == {CONF_HOST: host, CONF_PASSWORD: server.password, CONF_VERIFY_SSL: verify_ssl}
    assert result["result"].unique_id == unique_id_of(server)


def add_entry(
    hass: HomeAssistant, server: DelugeServer, *, password: str = DELUGE_PASSWORD
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=host_of(server),
        unique_id=unique_id_of(server),
        data={CONF_HOST: host_of(server), CONF_PASSWORD: password, CONF_VERIFY_SSL: True},
    )
    entry.add_to_hass(hass)
    return entry


# User step


async def test_user_flow_creates_entry(
    hass: HomeAssistant, deluge: DelugeServer, mock_setup_entry: AsyncMock
) -> None:
    flow_id = await start_user_flow(hass)

    result = await submit(hass, flow_id, user_input(f"  {host_of(deluge)} \t"))

    assert_created(result, deluge, host_of(deluge))
    await hass.async_block_till_done()
    assert mock_setup_entry.call_count == 1
    assert result["result"].state is ConfigEntryState.LOADED


async def test_user_flow_reverse_proxy_style_url(hass: HomeAssistant, deluge: DelugeServer) -> None:
    """A full URL with a trailing slash is stored as typed and names the same Deluge."""
    flow_id = await start_user_flow(hass)

    result = await submit(hass, flow_id, user_input(f"{deluge.url}/", verify_ssl=False))

    assert_created(result, deluge, f"{deluge.url}/", verify_ssl=False)


async def test_user_flow_wrong_password_then_right(hass: HomeAssistant, deluge: DelugeServer) -> None:
    flow_id = await start_user_flow(hass)

    result = await submit(hass, flow_id, user_input(host_of(deluge), "wrong password"))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    # What the user typed comes back, so only the wrong field needs retyping.
    assert suggested(result, CONF_HOST) == host_of(deluge)

    result = await submit(hass, flow_id, user_input(host_of(deluge)))

    assert_created(result, deluge, host_of(deluge))


async def test_user_flow_nothing_listening(hass: HomeAssistant, deluge: DelugeServer) -> None:
    flow_id = await start_user_flow(hass)

    result = await submit(hass, flow_id, user_input(f"127.0.0.1:{free_port()}"))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}

    result = await submit(hass, flow_id, user_input(host_of(deluge)))

    assert_created(result, deluge, host_of(deluge))


async def test_user_flow_wrong_path_is_not_deluge(hass: HomeAssistant, deluge: DelugeServer) -> None:
    """A path where no Deluge answers (the web UI's own 404 page) cannot be connected to."""
    flow_id = await start_user_flow(hass)

    result = await submit(hass, flow_id, user_input(f"{deluge.url}/not-deluge"))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}

    result = await submit(hass, flow_id, user_input(host_of(deluge)))

    assert_created(result, deluge, host_of(deluge))


@pytest.mark.parametrize("host", ["ftp://nas.local", "nas local:8112", "nas.local:99999", "user@nas.local"])
async def test_user_flow_invalid_host(hass: HomeAssistant, deluge: DelugeServer, host: str) -> None:
    flow_id = await start_user_flow(hass)

    result = await submit(hass, flow_id, user_input(host))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_HOST: "invalid_host"}

    result = await submit(hass, flow_id, user_input(host_of(deluge)))

    assert_created(result, deluge, host_of(deluge))


async def test_user_flow_webapi_missing(hass: HomeAssistant, deluge_factory: DelugeFactory) -> None:
    server = deluge_factory(password=DELUGE_PASSWORD, webapi_enabled=False)
    # The harness only waits for web.connected; the daemon's methods appear a moment later.
    await wait_for_method(server, "daemon.get_version")
    flow_id = await start_user_flow(hass)

    result = await submit(hass, flow_id, user_input(host_of(server)))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "webapi_missing"}

    # The user enables the plugin in Deluge's Preferences -> Plugins, and tries again.
    server.call("core.enable_plugin", "WebAPI")
    await wait_for_method(server, "webapi.get_api_version")  # the web UI loads the plugin a moment later
    result = await submit(hass, flow_id, user_input(host_of(server)))

    assert_created(result, server, host_of(server))


async def test_user_flow_connects_the_web_ui_to_its_daemon(
    hass: HomeAssistant, deluge_factory: DelugeFactory
) -> None:
    server = deluge_factory(password=DELUGE_PASSWORD, web_connects_on_start=False)
    assert server.call("web.connected") is False
    flow_id = await start_user_flow(hass)

    result = await submit(hass, flow_id, user_input(host_of(server)))

    assert_created(result, server, host_of(server))
    assert server.call("web.connected") is True


async def test_user_flow_certificate_not_trusted(hass: HomeAssistant, deluge_factory: DelugeFactory) -> None:
    """Deluge's own self-signed certificate fails verification; without verification it works."""
    server = deluge_factory(password=DELUGE_PASSWORD, web_https=True)
    flow_id = await start_user_flow(hass)

    result = await submit(hass, flow_id, user_input(server.url))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "ssl_error"}

    result = await submit(hass, flow_id, user_input(server.url, verify_ssl=False))

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == host_of(server)
    assert result["data"] == user_input(server.url, verify_ssl=False)
    assert result["result"].unique_id == f"https://127.0.0.1:{server.web_port}"


async def test_user_flow_daemon_down(hass: HomeAssistant, deluge_factory: DelugeFactory) -> None:
    """The web UI runs but cannot connect to its daemon; once the daemon is back, the flow connects it."""
    server = deluge_factory(password=DELUGE_PASSWORD, web_connects_on_start=False)
    server.stop_daemon()
    flow_id = await start_user_flow(hass)

    result = await submit(hass, flow_id, user_input(host_of(server)))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "daemon_not_connected"}

    server.start_daemon()
    result = await submit(hass, flow_id, user_input(host_of(server)))

    assert_created(result, server, host_of(server))


@pytest.mark.parametrize(
    "error",
    [RuntimeError("something nobody expected"), DelugeServerError("Failure: boom", code=4, method="x")],
)
async def test_user_flow_unexpected_error(
    hass: HomeAssistant, deluge: DelugeServer, caplog: pytest.LogCaptureFixture, error: Exception
) -> None:
    """What nobody expected is logged with its traceback (and no password), and the form says so."""
    flow_id = await start_user_flow(hass)

    with patch.object(DelugeWebClient, "get_server_info", side_effect=error):
        result = await submit(hass, flow_id, user_input(host_of(deluge)))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}
    [record] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert record.exc_info is not None
    assert record.exc_info[1] is error

    result = await submit(hass, flow_id, user_input(host_of(deluge)))

    assert_created(result, deluge, host_of(deluge))


async def test_user_flow_same_deluge_twice(hass: HomeAssistant, deluge: DelugeServer) -> None:
    flow_id = await start_user_flow(hass)
    assert_created(await submit(hass, flow_id, user_input(host_of(deluge))), deluge, host_of(deluge))

    # Spelled differently, and with a wrong password: still the same Deluge, refused before logging in.
    for spelling, password in (
        (f"HTTP://127.0.0.1:{deluge.web_port}/", DELUGE_PASSWORD),
        (host_of(deluge), "x"),
    ):
        flow_id = await start_user_flow(hass)
        result = await submit(hass, flow_id, user_input(spelling, password))

        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured"

    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


# Reauth


async def test_reauth_with_the_new_password(
    hass: HomeAssistant, deluge: DelugeServer, mock_setup_entry: AsyncMock
) -> None:
    entry = add_entry(hass, deluge, password="the old password")
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"][CONF_HOST] == host_of(deluge)

    result = await submit(hass, result["flow_id"], {CONF_PASSWORD: "wrong password"})

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    result = await submit(hass, result["flow_id"], {CONF_PASSWORD: DELUGE_PASSWORD})

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data == {CONF_HOST: host_of(deluge), CONF_PASSWORD: DELUGE_PASSWORD, CONF_VERIFY_SSL: True}
    await hass.async_block_till_done()
    assert mock_setup_entry.call_count == 1  # reloaded with the new password


# Reconfigure


async def test_reconfigure_same_deluge_other_spelling(
    hass: HomeAssistant, deluge: DelugeServer, mock_setup_entry: AsyncMock
) -> None:
    entry = add_entry(hass, deluge)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert suggested(result, CONF_HOST) == host_of(deluge)

    new_host = f"http://127.0.0.1:{deluge.web_port}/"
    result = await submit(hass, result["flow_id"], {CONF_HOST: f" {new_host} ", CONF_VERIFY_SSL: False})

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {CONF_HOST: new_host, CONF_PASSWORD: DELUGE_PASSWORD, CONF_VERIFY_SSL: False}
    assert entry.unique_id == unique_id_of(deluge)
    await hass.async_block_till_done()
    assert mock_setup_entry.call_count == 1


async def test_reconfigure_errors_then_success(hass: HomeAssistant, deluge_factory: DelugeFactory) -> None:
    server = deluge_factory(password=DELUGE_PASSWORD)
    entry = add_entry(hass, server)
    flow_id = (await entry.start_reconfigure_flow(hass))["flow_id"]

    result = await submit(hass, flow_id, {CONF_HOST: "http://", CONF_VERIFY_SSL: True})

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    assert suggested(result, CONF_HOST) == "http://"

    server.stop_web()
    result = await submit(hass, flow_id, {CONF_HOST: host_of(server), CONF_VERIFY_SSL: True})

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}

    server.start_web()
    result = await submit(hass, flow_id, {CONF_HOST: host_of(server), CONF_VERIFY_SSL: True})

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"


async def test_reconfigure_to_another_deluge(
    hass: HomeAssistant, deluge: DelugeServer, deluge_factory: DelugeFactory, mock_setup_entry: AsyncMock
) -> None:
    other = deluge_factory(password=DELUGE_PASSWORD)
    entry = add_entry(hass, deluge)
    flow_id = (await entry.start_reconfigure_flow(hass))["flow_id"]

    result = await submit(hass, flow_id, {CONF_HOST: host_of(other), CONF_VERIFY_SSL: True})

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_deluge"
    assert entry.data[CONF_HOST] == host_of(deluge)
    assert mock_setup_entry.call_count == 0


# Options


async def test_options_flow(hass: HomeAssistant, deluge: DelugeServer, mock_setup_entry: AsyncMock) -> None:
    entry = add_entry(hass, deluge)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert mock_setup_entry.call_count == 1

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    # A fresh entry shows the defaults.
    assert result["data_schema"] is not None
    defaults = result["data_schema"]({})
    assert defaults == {
        CONF_SCAN_INTERVAL: 30,
        CONF_TORRENT_ENTITIES: "all",
        CONF_MAX_TORRENT_ENTITIES: 100,
        CONF_TURTLE_DOWNLOAD_KIB: 100,
        CONF_TURTLE_UPLOAD_KIB: 50,
    }

    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"],
            {CONF_SCAN_INTERVAL: 5, CONF_TORRENT_ENTITIES: "all", CONF_MAX_TORRENT_ENTITIES: 10},
        )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SCAN_INTERVAL: 60.0, CONF_TORRENT_ENTITIES: "active", CONF_MAX_TORRENT_ENTITIES: 10.0},
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_SCAN_INTERVAL: 60,
        CONF_TORRENT_ENTITIES: TorrentEntities.ACTIVE,
        CONF_MAX_TORRENT_ENTITIES: 10,
        CONF_TURTLE_DOWNLOAD_KIB: 100,
        CONF_TURTLE_UPLOAD_KIB: 50,
    }
    assert isinstance(entry.options[CONF_SCAN_INTERVAL], int)
    assert isinstance(entry.options[CONF_MAX_TORRENT_ENTITIES], int)
    await hass.async_block_till_done()
    assert mock_setup_entry.call_count == 2  # reloaded, so the new options apply at once

    # The next time, the form shows what is stored.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert suggested(result, CONF_SCAN_INTERVAL) == 60
    assert suggested(result, CONF_TORRENT_ENTITIES) == "active"
    assert suggested(result, CONF_MAX_TORRENT_ENTITIES) == 10


@pytest.mark.parametrize(
    "options",
    [
        {CONF_SCAN_INTERVAL: 301, CONF_TORRENT_ENTITIES: "all", CONF_MAX_TORRENT_ENTITIES: 10},
        {CONF_SCAN_INTERVAL: 30, CONF_TORRENT_ENTITIES: "some", CONF_MAX_TORRENT_ENTITIES: 10},
        {CONF_SCAN_INTERVAL: 30, CONF_TORRENT_ENTITIES: "all", CONF_MAX_TORRENT_ENTITIES: 1001},
        {CONF_SCAN_INTERVAL: 30, CONF_TORRENT_ENTITIES: "all", CONF_MAX_TORRENT_ENTITIES: -1},
    ],
)
async def test_options_out_of_range(hass: HomeAssistant, options: dict[str, Any]) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={}, unique_id="http://nas.local:8112")
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)

    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(result["flow_id"], options)

    assert entry.options == {}


# The pieces


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("nas.local", "nas.local"),
        ("NAS.local:8112", "nas.local"),
        ("nas.local:8113", "nas.local:8113"),
        ("http://nas.local", "nas.local"),
        ("https://example.com/deluge/", "example.com/deluge"),
        ("https://example.com:8443/deluge", "example.com:8443/deluge"),
        ("http://example.com:443", "example.com:443"),
        ("[::1]:9000", "[::1]:9000"),
        ("fd00::5", "[fd00::5]"),
    ],
)
def test_entry_title(typed: str, title: str) -> None:
    assert entry_title(DelugeAddress.parse(typed)) == title


@pytest.mark.parametrize(
    ("error", "errors"),
    [
        (DelugeInvalidAddressError("bad"), {CONF_HOST: "invalid_host"}),
        (DelugeAuthenticationError("no"), {"base": "invalid_auth"}),
        (DelugeSSLError("cert"), {"base": "ssl_error"}),
        (DelugeTimeoutError("slow"), {"base": "cannot_connect"}),
        (DelugeConnectionError("refused"), {"base": "cannot_connect"}),
        (DelugeResponseError("html"), {"base": "cannot_connect"}),
        (DelugeWebApiMissingError("code 2"), {"base": "webapi_missing"}),
        (DelugeDaemonNotConnectedError("offline"), {"base": "daemon_not_connected"}),
        (DelugeError("other"), {"base": "unknown"}),
    ],
)
def test_form_errors(error: Exception, errors: dict[str, str]) -> None:
    assert form_errors(error) == errors
