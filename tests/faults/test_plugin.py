"""Scenario 5: the WebAPI plugin disabled at run time: a repair issue appears, and goes when re-enabled."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.deluge_webapi.const import DOMAIN
from custom_components.deluge_webapi.issues import DelugeIssue, issue_id
from tests.conftest import DelugeFactory
from tests.deluge_harness import DelugeRpcError, DelugeServer
from tests.integration_helpers import add_torrent, deluge_call, wait_for_web_state

from .conftest import Watch
from .helpers import wait_real


async def webapi_answers(hass: HomeAssistant, server: DelugeServer) -> bool:
    try:
        await deluge_call(hass, server, "webapi.get_api_version")
    except DelugeRpcError:
        return False
    return True


@pytest.mark.scenario(5)
async def test_plugin_disabled_at_run_time(
    hass: HomeAssistant, deluge_factory: DelugeFactory, watch: Watch
) -> None:
    """Disabled: unavailable, and a "WebAPI missing" repair issue; enabled again: all back, no issue.

    Deluge 2.2.0 keeps serving a disabled plugin's Web UI methods until deluge-web restarts, so
    the disabling is invisible at first and deluge-web is restarted to make it take effect.
    """
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "plugin.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    watched = await watch(server)
    registry = watched.registry()
    missing = issue_id(DelugeIssue.WEBAPI_MISSING, watched.entry.entry_id)

    await deluge_call(hass, server, "core.disable_plugin", "WebAPI")
    assert "WebAPI" not in await deluge_call(hass, server, "core.get_enabled_plugins")
    await watched.poll()
    watched.assert_available()  # still served by Deluge: nothing to see yet
    assert watched.issues() == set()

    # deluge-web drops the plugin's methods only when it starts without the plugin.
    server.webapi_enabled = False  # the harness then waits for the Web UI without asking WebAPI
    await hass.async_add_executor_job(server.restart_web)
    assert not await webapi_answers(hass, server)

    fault_polls = [await watched.poll()]
    watched.assert_unavailable("webapi_missing")
    assert watched.issues() == {missing}
    issue = ir.async_get(hass).async_get_issue(DOMAIN, missing)
    assert issue is not None
    assert issue.translation_key == "webapi_missing"
    assert issue.is_fixable is False
    fault_polls += [await watched.poll(), await watched.poll()]
    watched.assert_unavailable("webapi_missing")
    assert watched.issues() == {missing}
    watched.assert_no_pile_up(fault_polls)

    await deluge_call(hass, server, "core.enable_plugin", "WebAPI")
    server.webapi_enabled = True
    await wait_real(lambda: webapi_answers(hass, server), "the Web UI serves the plugin again")
    await watched.poll()

    watched.assert_available()
    assert watched.state("state", torrent.info_hash) == "seeding"
    assert watched.issues() == set()
    assert watched.registry() == registry
    assert watched.reauth_flows() == []
    watched.assert_no_pile_up(fault_polls)
