"""The Deluge WebAPI integration: Deluge through its Web UI and the WebAPI plugin."""

from __future__ import annotations

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_VERIFY_SSL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .client_factory import create_client
from .const import DOMAIN
from .coordinator import DelugeWebApiConfigEntry, DelugeWebApiCoordinator, DelugeWebApiRuntimeData
from .entity import server_device_info
from .events import async_remove_stored_state
from .issues import async_delete_issues
from .services import async_setup_services
from .torrent_devices import TorrentDeviceManager
from .turtle import async_remove_turtle_state

PLATFORMS: list[Platform] = [
    Platform.EVENT,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, once for every server."""
    del config
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: DelugeWebApiConfigEntry) -> bool:
    """Set up Deluge WebAPI from a config entry.

    Options apply through a reload: the options flow is an OptionsFlowWithReload, so there is
    no update listener here.
    """
    client = create_client(
        hass, entry.data[CONF_HOST], entry.data[CONF_PASSWORD], entry.data[CONF_VERIFY_SSL]
    )
    coordinator = DelugeWebApiCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()

    # Registered first: each torrent's device links to it.
    server_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **server_device_info(coordinator)
    )
    torrent_devices = TorrentDeviceManager(hass, entry, coordinator, server_device.id)
    entry.async_on_unload(torrent_devices.async_start())
    entry.runtime_data = DelugeWebApiRuntimeData(
        client=client, coordinator=coordinator, torrent_devices=torrent_devices
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: DelugeWebApiConfigEntry) -> bool:
    """Unload a config entry; its repair issues go with it (a set-up raises them again)."""
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        async_delete_issues(hass, entry.entry_id)
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: DelugeWebApiConfigEntry) -> None:
    """Forget what the torrent events remembered of a removed server, and its repair issues."""
    async_delete_issues(hass, entry.entry_id)
    await async_remove_stored_state(hass, entry.entry_id)
    await async_remove_turtle_state(hass, entry.entry_id)
