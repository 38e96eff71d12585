"""Sensors: Deluge's totals on the server device, and each selected torrent's on its own device."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfDataRate, UnitOfInformation, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .client import KNOWN_STATES, Torrent
from .coordinator import DelugeSnapshot, DelugeWebApiConfigEntry
from .entity import DelugeServerEntity, DelugeTorrentEntity

PARALLEL_UPDATES = 0

# Deluge state -> the sensor's option; a state Deluge adds later shows as unknown.
TORRENT_STATE_OPTIONS = {state: state.lower() for state in KNOWN_STATES}


@dataclass(frozen=True, kw_only=True)
class DelugeSensorEntityDescription[T](SensorEntityDescription):
    """A sensor of the whole session (``T`` DelugeSnapshot) or of one torrent (``T`` Torrent)."""

    value_fn: Callable[[T], StateType]


def _rate[T](
    key: str, value_fn: Callable[[T], StateType], *, enabled: bool = True
) -> DelugeSensorEntityDescription[T]:
    return DelugeSensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.DATA_RATE,
        native_unit_of_measurement=UnitOfDataRate.BYTES_PER_SECOND,
        suggested_unit_of_measurement=UnitOfDataRate.MEBIBYTES_PER_SECOND,
        suggested_display_precision=2,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=enabled,
        value_fn=value_fn,
    )


def _size[T](
    key: str,
    value_fn: Callable[[T], StateType],
    *,
    state_class: SensorStateClass | None = None,
    enabled: bool = True,
) -> DelugeSensorEntityDescription[T]:
    return DelugeSensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=2,
        state_class=state_class,
        entity_registry_enabled_default=enabled,
        value_fn=value_fn,
    )


def _count[T](
    key: str, value_fn: Callable[[T], StateType], *, diagnostic: bool = False, enabled: bool = True
) -> DelugeSensorEntityDescription[T]:
    return DelugeSensorEntityDescription(
        key=key,
        translation_key=key,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC if diagnostic else None,
        entity_registry_enabled_default=enabled,
        value_fn=value_fn,
    )


def _state_count(state: str) -> DelugeSensorEntityDescription[DelugeSnapshot]:
    return _count(f"torrents_{state.lower()}", lambda data: data.state_counts.get(state, 0))


SERVER_SENSORS: tuple[DelugeSensorEntityDescription[DelugeSnapshot], ...] = (
    _rate("download_speed", lambda data: data.session.download_rate),
    _rate("upload_speed", lambda data: data.session.upload_rate),
    _count("torrents", lambda data: len(data.torrents)),
    *(_state_count(state) for state in ("Downloading", "Seeding", "Paused", "Queued", "Checking", "Error")),
    _size("free_space", lambda data: data.free_space, state_class=SensorStateClass.MEASUREMENT),
    _count("connections", lambda data: data.session.num_connections, diagnostic=True, enabled=False),
    _count("dht_nodes", lambda data: data.session.dht_nodes, diagnostic=True, enabled=False),
)

# Values that change on nearly every poll are disabled by default: each one enabled is a recorder
# row per torrent per poll.
TORRENT_SENSORS: tuple[DelugeSensorEntityDescription[Torrent], ...] = (
    DelugeSensorEntityDescription(
        key="state",
        translation_key="torrent_state",
        device_class=SensorDeviceClass.ENUM,
        options=list(TORRENT_STATE_OPTIONS.values()),
        value_fn=lambda torrent: TORRENT_STATE_OPTIONS.get(torrent.state) if torrent.state else None,
    ),
    DelugeSensorEntityDescription(
        key="progress",
        translation_key="progress",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=1,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda torrent: torrent.progress,
    ),
    _rate("download_speed", lambda torrent: torrent.download_rate, enabled=False),
    _rate("upload_speed", lambda torrent: torrent.upload_rate, enabled=False),
    DelugeSensorEntityDescription(
        key="eta",
        translation_key="eta",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        entity_registry_enabled_default=False,
        value_fn=lambda torrent: torrent.eta,
    ),
    DelugeSensorEntityDescription(
        key="ratio",
        translation_key="ratio",
        suggested_display_precision=2,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda torrent: torrent.ratio,
    ),
    _size("size", lambda torrent: torrent.total_size),
    _size("downloaded", lambda torrent: torrent.total_done, enabled=False),
    _size(
        "uploaded",
        lambda torrent: torrent.total_uploaded,
        state_class=SensorStateClass.TOTAL_INCREASING,
        enabled=False,
    ),
    _count("seeds", lambda torrent: torrent.num_seeds, enabled=False),
    _count("peers", lambda torrent: torrent.num_peers, enabled=False),
)


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: DelugeWebApiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the server's sensors now, and each selected torrent's as it appears."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(DelugeServerSensor(coordinator, description) for description in SERVER_SENSORS)

    def add_torrents(hashes: Collection[str]) -> None:
        async_add_entities(
            DelugeTorrentSensor(coordinator, description, torrent_hash)
            for torrent_hash in hashes
            for description in TORRENT_SENSORS
        )

    entry.runtime_data.torrent_devices.async_add_platform(add_torrents)


class DelugeServerSensor(DelugeServerEntity, SensorEntity):
    """A sensor of the whole Deluge session."""

    entity_description: DelugeSensorEntityDescription[DelugeSnapshot]

    @property
    def native_value(self) -> StateType:
        """Return the value of the session's figure."""
        return self.entity_description.value_fn(self.coordinator.data)

    def _shown(self) -> tuple[object, ...]:
        return (self.available, self.native_value)


class DelugeTorrentSensor(DelugeTorrentEntity, SensorEntity):
    """A sensor of one torrent."""

    entity_description: DelugeSensorEntityDescription[Torrent]

    @property
    def native_value(self) -> StateType:
        """Return the value of the torrent's figure."""
        torrent = self.torrent
        return None if torrent is None else self.entity_description.value_fn(torrent)

    def _shown(self) -> tuple[object, ...]:
        return (self.available, self.native_value)
