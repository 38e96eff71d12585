"""Scenarios 3 and 4: the session deleted on the server; the Web UI password changed on the server."""

from __future__ import annotations

from functools import partial
import json
from typing import Any
import urllib.request

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from tests.conftest import DelugeFactory
from tests.deluge_harness import DelugeServer
from tests.integration_helpers import add_torrent, wait_for_web_state

from .conftest import Watch
from .helpers import Watched

NEW_PASSWORD = "the néw Web UI password"


def session_cookie(watched: Watched) -> str:
    """The ``_session_id`` cookie Home Assistant's client holds for this Deluge."""
    jar = watched.entry.runtime_data.client._session.cookie_jar
    (cookie,) = [cookie.value for cookie in jar if cookie.key == "_session_id"]
    assert isinstance(cookie, str)
    return cookie


def call_with_cookie(server: DelugeServer, cookie: str, method: str, *params: Any) -> Any:
    """Call deluge-web as the holder of ``cookie``: what Deluge does to that session, not to ours."""
    request = urllib.request.Request(
        f"{server.url}/json",
        data=json.dumps({"id": 1, "method": method, "params": list(params)}).encode(),
        headers={"Content-Type": "application/json", "Cookie": f"_session_id={cookie}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    assert answer["error"] is None, answer
    return answer["result"]


async def delete_session(hass: HomeAssistant, watched: Watched) -> None:
    """Make Deluge forget Home Assistant's session, as when it expires."""
    cookie = session_cookie(watched)
    assert await hass.async_add_executor_job(
        partial(call_with_cookie, watched.server, cookie, "auth.delete_session")
    )


@pytest.mark.scenario(3)
async def test_session_deleted_on_the_server(
    hass: HomeAssistant, deluge_factory: DelugeFactory, watch: Watch
) -> None:
    """Invisible to users: the next poll logs in again, once, and shows everything as before."""
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "session.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    watched = await watch(server)
    registry = watched.registry()
    old_cookie = session_cookie(watched)

    await delete_session(hass, watched)
    sent = await watched.poll()

    assert sent.count("auth.login") == 1  # one login for all the poll's concurrent calls
    watched.assert_available()
    assert watched.state("torrents") == "1"
    assert watched.state("state", torrent.info_hash) == "seeding"
    assert session_cookie(watched) != old_cookie
    assert watched.registry() == registry
    assert watched.reauth_flows() == []

    sent = await watched.poll()
    assert "auth.login" not in sent
    watched.assert_no_pile_up([sent])


@pytest.mark.scenario(4)
async def test_password_changed_on_the_server(
    hass: HomeAssistant, deluge_factory: DelugeFactory, watch: Watch
) -> None:
    """Reauthentication starts; polling stops trying the old password; the new one recovers all.

    The password changes and Home Assistant's session ends (it expired, or was deleted). The
    next poll tries the stored password once, fails, and starts reauthentication; the polls
    after it send nothing. Entering a wrong password in the form changes nothing; entering the
    new one reloads the entry, and everything is back with the same devices and entities.
    """
    server = deluge_factory(password="the old password")
    torrent = await add_torrent(hass, server, "password.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    watched = await watch(server)
    registry = watched.registry()

    assert await hass.async_add_executor_job(
        server.call, "auth.change_password", "the old password", NEW_PASSWORD
    )
    await delete_session(hass, watched)

    failing = await watched.poll()
    assert failing.count("auth.login") == 1
    watched.assert_unavailable()
    (flow_id,) = watched.reauth_flows()
    assert await watched.poll() == []  # polling has stopped: not even one more login
    assert await watched.poll() == []
    watched.assert_unavailable()
    watched.assert_no_pile_up([failing])

    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PASSWORD: "still wrong"})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert watched.entry.data[CONF_PASSWORD] == "the old password"

    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PASSWORD: NEW_PASSWORD})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()

    assert watched.entry.state is ConfigEntryState.LOADED
    assert watched.entry.data[CONF_PASSWORD] == NEW_PASSWORD
    watched.assert_available()
    assert watched.state("state", torrent.info_hash) == "seeding"
    assert watched.registry() == registry
    assert watched.reauth_flows() == []
    sent = await watched.poll()
    assert "auth.login" not in sent
    watched.assert_available()
