"""One event entity per Deluge server: the torrent events of events.py, for the UI's event triggers."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import DelugeWebApiConfigEntry, DelugeWebApiCoordinator
from .entity import DelugeServerEntity
from .events import TorrentEventTracker, TorrentEventType

# The entity only reacts to the tracker; nothing is sent to Deluge.
PARALLEL_UPDATES = 0

TORRENT_EVENTS = EventEntityDescription(
    key="torrent_events",
    translation_key="torrent_events",
    event_types=[event_type.value for event_type in TorrentEventType],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DelugeWebApiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Start the torrent event tracker of this server and add its event entity.

    The tracker runs (and fires bus events) even when the entity is disabled.
    """
    coordinator = entry.runtime_data.coordinator
    tracker = TorrentEventTracker(hass, entry.entry_id)
    await tracker.async_load()
    async_add_entities([DelugeTorrentEventEntity(coordinator, tracker)])
    entry.async_on_unload(tracker.async_flush)
    entry.async_on_unload(
        tracker.async_start(
            lambda: coordinator.data.torrents if coordinator.last_update_success else None,
            coordinator.async_add_listener,
        )
    )


class DelugeTorrentEventEntity(DelugeServerEntity, EventEntity):
    """Torrent added, completed, removed or in error on this Deluge server."""

    entity_description: EventEntityDescription

    def __init__(self, coordinator: DelugeWebApiCoordinator, tracker: TorrentEventTracker) -> None:
        super().__init__(coordinator, TORRENT_EVENTS)
        self._tracker = tracker

    def _shown(self) -> tuple[object, ...]:
        return (self.available,)

    async def async_added_to_hass(self) -> None:
        """Hear the tracker's events, starting with those fired before the entity was added."""
        await super().async_added_to_hass()
        self.async_on_remove(self._tracker.async_listen(self._handle_torrent_event))

    @callback
    def _handle_torrent_event(self, event_type: TorrentEventType, data: dict[str, Any]) -> None:
        self._trigger_event(event_type.value, data)
        self.async_write_ha_state()
