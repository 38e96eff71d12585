"""Switches: Downloads (the whole session) and each torrent's running/paused, against a real Deluge."""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import AsyncMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from syrupy.assertion import SnapshotAssertion

from custom_components.deluge_webapi.client import DelugeAuthenticationError
from custom_components.deluge_webapi.const import DOMAIN
from tests.conftest import DelugeFactory, make_config_entry, setup_integration
from tests.deluge_harness import DelugeServer
from tests.integration_helpers import (
    add_torrent,
    deluge_call,
    poll,
    remove_torrent,
    snapshot_entities,
    state_of,
    wait_for_web_state,
    wait_until,
)


@pytest.fixture(autouse=True)
def switch_platform_only() -> Generator[None]:
    with patch("custom_components.deluge_webapi.PLATFORMS", [Platform.SWITCH]):
        yield


async def switch(hass: HomeAssistant, entity_id: str, *, on: bool) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON if on else SERVICE_TURN_OFF, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


async def wait_for_daemon_state(
    hass: HomeAssistant, server: DelugeServer, torrent_hash: str, state: str
) -> None:
    """Wait until the daemon itself (not the Web UI's cache) reports the torrent in ``state``."""

    async def check() -> bool:
        torrents = await hass.async_add_executor_job(server.torrents)
        return bool(torrents[torrent_hash]["state"] == state)

    await wait_until(hass, check, f"the daemon reports {torrent_hash} {state}")


async def test_switches_snapshot(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "snapshot.bin", seed=1)
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    entry = make_config_entry(server)

    await setup_integration(hass, entry)

    snapshot_entities(hass, entity_registry, snapshot, entry.entry_id, Platform.SWITCH)


async def test_torrent_switch_pauses_and_resumes_in_deluge(
    hass: HomeAssistant, deluge_factory: DelugeFactory, freezer: FrozenDateTimeFactory
) -> None:
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "toggled.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    client = entry.runtime_data.client
    assert state_of(hass, "switch.toggled_bin") == STATE_ON

    with patch.object(client, "get_torrents", wraps=client.get_torrents) as get_torrents:
        await switch(hass, "switch.toggled_bin", on=False)
        assert get_torrents.call_count == 1  # refreshed right after the action

    await wait_for_daemon_state(hass, server, torrent.info_hash, "Paused")
    assert state_of(hass, "switch.toggled_bin") == STATE_OFF
    await wait_for_web_state(hass, server, torrent.info_hash, "Paused")
    await poll(hass, freezer)
    assert state_of(hass, "switch.toggled_bin") == STATE_OFF

    await switch(hass, "switch.toggled_bin", on=True)

    await wait_for_daemon_state(hass, server, torrent.info_hash, "Seeding")
    assert state_of(hass, "switch.toggled_bin") == STATE_ON
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    await poll(hass, freezer)
    assert state_of(hass, "switch.toggled_bin") == STATE_ON


async def test_downloads_switch_keeps_user_paused_torrents_paused(
    hass: HomeAssistant, deluge_factory: DelugeFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Pausing and resuming the session leaves a torrent the user paused paused."""
    server = deluge_factory()
    running = await add_torrent(hass, server, "running.bin")
    held = await add_torrent(hass, server, "held.bin")
    await wait_for_web_state(hass, server, running.info_hash, "Seeding")
    await wait_for_web_state(hass, server, held.info_hash, "Seeding")
    await deluge_call(hass, server, "core.pause_torrents", [held.info_hash])
    await wait_for_web_state(hass, server, held.info_hash, "Paused")
    await setup_integration(hass, make_config_entry(server))
    assert state_of(hass, "switch.deluge_downloads") == STATE_ON

    await switch(hass, "switch.deluge_downloads", on=False)

    assert await deluge_call(hass, server, "core.is_session_paused") is True
    assert state_of(hass, "switch.deluge_downloads") == STATE_OFF
    await wait_for_web_state(hass, server, running.info_hash, "Paused")  # Deluge: all Paused now
    await poll(hass, freezer)
    assert state_of(hass, "switch.deluge_downloads") == STATE_OFF
    assert state_of(hass, "switch.running_bin") == STATE_ON  # its own state is untouched
    assert state_of(hass, "switch.held_bin") == STATE_OFF

    await switch(hass, "switch.deluge_downloads", on=True)

    assert await deluge_call(hass, server, "core.is_session_paused") is False
    await wait_for_daemon_state(hass, server, running.info_hash, "Seeding")
    torrents = await hass.async_add_executor_job(server.torrents)
    assert torrents[held.info_hash]["state"] == "Paused"
    assert torrents[held.info_hash]["paused"] is True
    await wait_for_web_state(hass, server, running.info_hash, "Seeding")
    await poll(hass, freezer)
    assert state_of(hass, "switch.deluge_downloads") == STATE_ON
    assert state_of(hass, "switch.running_bin") == STATE_ON
    assert state_of(hass, "switch.held_bin") == STATE_OFF


async def test_action_on_a_torrent_deluge_no_longer_has(
    hass: HomeAssistant, deluge_factory: DelugeFactory
) -> None:
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "vanishing.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    await setup_integration(hass, make_config_entry(server))
    await remove_torrent(hass, server, torrent.info_hash)

    with pytest.raises(HomeAssistantError) as raised:
        await switch(hass, "switch.vanishing_bin", on=False)

    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "torrent_not_found"


async def test_action_while_deluge_is_unreachable(hass: HomeAssistant, deluge_factory: DelugeFactory) -> None:
    server = deluge_factory()
    await setup_integration(hass, make_config_entry(server))
    await hass.async_add_executor_job(server.stop_web)

    with pytest.raises(HomeAssistantError) as raised:
        await switch(hass, "switch.deluge_downloads", on=False)

    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "cannot_connect"
    assert str(server.url) in str(raised.value)
    assert state_of(hass, "switch.deluge_downloads") == STATE_ON  # nothing assumed


async def test_refused_password_on_an_action_starts_reauth(
    hass: HomeAssistant, deluge_factory: DelugeFactory
) -> None:
    server = deluge_factory()
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    refused = DelugeAuthenticationError("Deluge refused the password")

    with (
        patch.object(entry.runtime_data.client, "pause_session", AsyncMock(side_effect=refused)),
        pytest.raises(HomeAssistantError) as raised,
    ):
        await switch(hass, "switch.deluge_downloads", on=False)

    assert raised.value.translation_key == "invalid_auth"
    await hass.async_block_till_done()
    assert [flow["context"]["source"] for flow in entry.async_get_active_flows(hass, {SOURCE_REAUTH})] == [
        SOURCE_REAUTH
    ]
