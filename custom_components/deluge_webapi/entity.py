"""Base entities of the Deluge server and of a torrent; each writes its state only when it changed."""

from __future__ import annotations

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .client import Torrent
from .const import DOMAIN
from .coordinator import DelugeWebApiCoordinator
from .torrent_devices import torrent_device_identifier


def server_device_info(coordinator: DelugeWebApiCoordinator) -> DeviceInfo:
    """Return the device of the Deluge server (its Web UI) of a config entry."""
    info = coordinator.server_info
    return DeviceInfo(
        identifiers={(DOMAIN, coordinator.config_entry.entry_id)},
        name=coordinator.config_entry.title,
        manufacturer="Deluge",
        model="Web UI with WebAPI",
        sw_version=f"Deluge {info.daemon_version} / WebAPI {info.webapi_version}",
        configuration_url=coordinator.client.address.base_url,
        entry_type=DeviceEntryType.SERVICE,
    )


class DelugeWebApiEntity(CoordinatorEntity[DelugeWebApiCoordinator]):
    """An entity that skips writing its state when a poll left what it shows unchanged."""

    _attr_has_entity_name = True
    _written: tuple[object, ...] | None = None

    def _shown(self) -> tuple[object, ...]:
        """Return what the state shows: availability and value."""
        raise NotImplementedError

    async def async_added_to_hass(self) -> None:
        """Remember what the platform writes right after this."""
        await super().async_added_to_hass()
        self._written = self._shown()

    @callback
    def _handle_coordinator_update(self) -> None:
        if (shown := self._shown()) != self._written:
            self._written = shown
            self.async_write_ha_state()


class DelugeServerEntity(DelugeWebApiEntity):
    """An entity of the Deluge server's device."""

    def __init__(self, coordinator: DelugeWebApiCoordinator, description: EntityDescription) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.config_entry.entry_id}_{description.key}"
        self._attr_device_info = server_device_info(coordinator)


class DelugeTorrentEntity(DelugeWebApiEntity):
    """An entity of a torrent's device; unavailable while Deluge does not list the torrent."""

    def __init__(
        self, coordinator: DelugeWebApiCoordinator, description: EntityDescription, torrent_hash: str
    ) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        self.torrent_hash = torrent_hash
        entry_id = coordinator.config_entry.entry_id
        self._attr_unique_id = f"{entry_id}_{torrent_hash}_{description.key}"
        # The device manager made the device (name, link to the server): the entity joins it.
        self._attr_device_info = DeviceInfo(identifiers={torrent_device_identifier(entry_id, torrent_hash)})

    @property
    def torrent(self) -> Torrent | None:
        """Return the torrent as of the last poll."""
        return self.coordinator.data.torrents.get(self.torrent_hash)

    @property
    def available(self) -> bool:
        """Return whether Deluge answered and still has the torrent."""
        return super().available and self.torrent_hash in self.coordinator.data.torrents
