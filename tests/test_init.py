"""The integration loads in the real Home Assistant of the test environment."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.loader import async_get_integration
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.deluge_webapi.client import ServerInfo
from custom_components.deluge_webapi.const import DOMAIN
from tests.conftest import DelugeFactory, make_config_entry, setup_integration
from tests.deluge_harness import DelugeServer
from tests.integration_helpers import deluge_call, device_of, poll, state_of


async def test_integration_loads(hass: HomeAssistant) -> None:
    integration = await async_get_integration(hass, DOMAIN)

    assert integration.domain == DOMAIN
    assert integration.config_flow is True
    assert integration.is_built_in is False
    assert integration.pkg_path == "custom_components.deluge_webapi"


async def test_setup_without_yaml(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    assert DOMAIN in hass.config.components


# Set-up, unload, retry and reauthentication against a real Deluge


async def test_setup_and_unload(
    hass: HomeAssistant,
    deluge: DelugeServer,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    await setup_integration(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    coordinator = mock_config_entry.runtime_data.coordinator
    assert coordinator.server_info == ServerInfo(daemon_version="2.2.0", webapi_version="0.4.0")
    server = device_of(device_registry, mock_config_entry.entry_id, mock_config_entry.entry_id)
    assert server is not None
    assert server.name == "Deluge"
    assert server.sw_version == "Deluge 2.2.0 / WebAPI 0.4.0"
    assert server.configuration_url == deluge.url
    assert server.entry_type is dr.DeviceEntryType.SERVICE

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED  # type: ignore[comparison-overlap]


def assert_retrying_because(entry: MockConfigEntry, key: str, message: str) -> None:
    """The entry waits to retry its set-up, for the translated reason ``key``."""
    assert entry.state is ConfigEntryState.SETUP_RETRY
    if entry.error_reason_translation_key is not None:
        assert entry.error_reason_translation_key == key
    else:  # older Home Assistant releases keep only the translated message
        assert (entry.reason or "").startswith(message), entry.reason


async def test_setup_retries_until_deluge_is_up(
    hass: HomeAssistant, deluge_factory: DelugeFactory, freezer: FrozenDateTimeFactory
) -> None:
    server = deluge_factory(start=False)
    server.write_config()
    entry = make_config_entry(server)

    await setup_integration(hass, entry)

    assert_retrying_because(entry, "cannot_connect", "Could not reach the Deluge Web UI: ")

    await hass.async_add_executor_job(server.start)
    await poll(hass, freezer, timedelta(minutes=2))

    assert entry.state is ConfigEntryState.LOADED


async def test_setup_retries_without_the_webapi_plugin(
    hass: HomeAssistant, deluge_factory: DelugeFactory
) -> None:
    server = deluge_factory(webapi_enabled=False)
    entry = make_config_entry(server)

    await setup_integration(hass, entry)

    assert_retrying_because(entry, "webapi_missing", "Deluge answers, but the WebAPI plugin does not.")


async def test_wrong_password_starts_reauth(hass: HomeAssistant, deluge_factory: DelugeFactory) -> None:
    server = deluge_factory(password="the new password")
    entry = make_config_entry(server, password="the old password")

    await setup_integration(hass, entry)

    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [(flow["context"]["source"], flow["context"]["entry_id"]) for flow in flows] == [
        (SOURCE_REAUTH, entry.entry_id)
    ]


async def test_password_changed_while_loaded_starts_reauth_and_stops_polling(
    hass: HomeAssistant, deluge_factory: DelugeFactory, freezer: FrozenDateTimeFactory
) -> None:
    server = deluge_factory(password="first password")
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert state_of(hass, "switch.deluge_downloads") == STATE_ON

    # The password changes, and the session of Home Assistant's client ends (its cookie is gone).
    assert await deluge_call(hass, server, "auth.change_password", "first password", "second password")
    client = entry.runtime_data.client
    client._session.cookie_jar.clear()
    with patch.object(client, "get_torrents", wraps=client.get_torrents) as get_torrents:
        await poll(hass, freezer)

        assert [
            flow["context"]["source"] for flow in entry.async_get_active_flows(hass, {SOURCE_REAUTH})
        ] == [SOURCE_REAUTH]
        assert state_of(hass, "switch.deluge_downloads") == STATE_UNAVAILABLE
        assert get_torrents.call_count == 1

        await poll(hass, freezer)
        await poll(hass, freezer)
        assert get_torrents.call_count == 1  # no more logins with the old password


async def test_stale_torrent_devices_are_removed_at_setup(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A torrent removed while Home Assistant was down leaves no device or entity behind."""
    mock_config_entry.add_to_hass(hass)
    gone = "0" * 40
    device = device_registry.async_get_or_create(
        config_entry_id=mock_config_entry.entry_id,
        identifiers={(DOMAIN, f"{mock_config_entry.entry_id}_{gone}")},
        name="Removed meanwhile",
    )
    entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{mock_config_entry.entry_id}_{gone}_progress",
        config_entry=mock_config_entry,
        device_id=device.id,
    )

    await setup_integration(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert device_registry.async_get(device.id) is None
    assert not [
        entity
        for entity in er.async_entries_for_config_entry(entity_registry, mock_config_entry.entry_id)
        if gone in (entity.unique_id or "")
    ]
