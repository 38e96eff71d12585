"""Keeps one device per selected torrent: added, renamed and removed within one poll."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .const import (
    CONF_MAX_TORRENT_ENTITIES,
    CONF_TORRENT_ENTITIES,
    DEFAULT_MAX_TORRENT_ENTITIES,
    DEFAULT_TORRENT_ENTITIES,
    DOMAIN,
    TorrentEntities,
)
from .coordinator import DelugeWebApiConfigEntry, DelugeWebApiCoordinator
from .torrent_selection import select_torrents

type TorrentEntityAdder = Callable[[Collection[str]], None]

# Home Assistant 2026.8 links a device to its parent by id; older releases by the parent's identifier.
_LINK_BY_ID: Final = "via_device_id" in dr.DeviceInfo.__optional_keys__


def torrent_device_identifier(entry_id: str, torrent_hash: str) -> tuple[str, str]:
    """Return the device registry identifier of a torrent's device."""
    return (DOMAIN, f"{entry_id}_{torrent_hash}")


def _device_name(torrent_hash: str, name: str | None) -> str:
    return name or torrent_hash  # a magnet may have no name until its metadata arrives


class TorrentDeviceManager:
    """Creates, renames and removes the torrent devices, and tells the platforms which are new.

    Removing a device from the registry removes its entities with it: nothing is left behind.
    Per poll the work is one selection pass plus a dictionary look-up per selected torrent.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: DelugeWebApiConfigEntry,
        coordinator: DelugeWebApiCoordinator,
        server_device_id: str,
    ) -> None:
        self._hass = hass
        self._entry_id = entry.entry_id
        self._coordinator = coordinator
        self._link: dict[str, Any] = (
            {"via_device_id": server_device_id} if _LINK_BY_ID else {"via_device": (DOMAIN, entry.entry_id)}
        )
        self._mode = TorrentEntities(entry.options.get(CONF_TORRENT_ENTITIES, DEFAULT_TORRENT_ENTITIES))
        self._cap: int = entry.options.get(CONF_MAX_TORRENT_ENTITIES, DEFAULT_MAX_TORRENT_ENTITIES)
        self._devices: dict[str, tuple[str, str | None]] = {}  # hash -> (device id, torrent name)
        self._adders: list[TorrentEntityAdder] = []

    @callback
    def async_start(self) -> Callable[[], None]:
        """Drop the devices of torrents gone while Home Assistant was not looking; follow each poll."""
        selected = self._select()
        registry = dr.async_get(self._hass)
        prefix = f"{self._entry_id}_"
        for device in dr.async_entries_for_config_entry(registry, self._entry_id):
            for domain, identifier in device.identifiers:
                if domain == DOMAIN and identifier.startswith(prefix):
                    if identifier.removeprefix(prefix) not in selected:
                        self._remove_device(registry, device.id)
                    break
        self._add_devices(registry, selected)
        return self._coordinator.async_add_listener(self._async_on_update)

    @callback
    def async_add_platform(self, adder: TorrentEntityAdder) -> None:
        """Let a platform add entities for the selected torrents, now and whenever one is new."""
        self._adders.append(adder)
        if self._devices:
            adder(list(self._devices))

    def _select(self) -> set[str]:
        data = self._coordinator.data
        return select_torrents(
            data.torrents, mode=self._mode, cap=self._cap, session_paused=data.session_paused
        )

    @callback
    def _async_on_update(self) -> None:
        if not self._coordinator.last_update_success:
            return  # Deluge is unreachable: keep every device until it says what it has
        selected = self._select()
        devices = self._devices
        registry = dr.async_get(self._hass)
        for torrent_hash in [known for known in devices if known not in selected]:
            self._remove_device(registry, devices.pop(torrent_hash)[0])
        self._update_names(registry)
        if new := [torrent_hash for torrent_hash in selected if torrent_hash not in devices]:
            self._add_devices(registry, new)
            for adder in self._adders:
                adder(new)

    def _add_devices(self, registry: dr.DeviceRegistry, hashes: Collection[str]) -> None:
        torrents = self._coordinator.data.torrents
        for torrent_hash in hashes:
            name = torrents[torrent_hash].name
            device = registry.async_get_or_create(
                config_entry_id=self._entry_id,
                identifiers={torrent_device_identifier(self._entry_id, torrent_hash)},
                name=_device_name(torrent_hash, name),
                model="Torrent",
                entry_type=dr.DeviceEntryType.SERVICE,
                **self._link,
            )
            self._devices[torrent_hash] = (device.id, name)

    def _update_names(self, registry: dr.DeviceRegistry) -> None:
        """Rename the devices of torrents whose name changed (a magnet's metadata arrived)."""
        torrents = self._coordinator.data.torrents
        for torrent_hash, (device_id, known_name) in self._devices.items():
            if (name := torrents[torrent_hash].name) == known_name:
                continue
            self._devices[torrent_hash] = (device_id, name)
            device = registry.async_get(device_id)
            if device is not None and device.name_by_user is None:
                registry.async_update_device(device_id, name=_device_name(torrent_hash, name))

    def _remove_device(self, registry: dr.DeviceRegistry, device_id: str) -> None:
        registry.async_update_device(device_id, remove_config_entry_id=self._entry_id)
