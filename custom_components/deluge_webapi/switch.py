"""Switches: Downloads (pause/resume the whole session), Turtle mode, and one per selected torrent."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import DelugeWebApiConfigEntry, DelugeWebApiCoordinator
from .entity import DelugeServerEntity, DelugeTorrentEntity, DelugeWebApiEntity
from .helpers import deluge_exception_handler
from .torrent_selection import is_running
from .turtle import TurtleMode

PARALLEL_UPDATES = 1

# The Web UI serves torrent states from a cache up to 1.5 s old, so the refresh right after a
# switch action may still show the old state: for this long the switch shows what was asked
# for instead, unless Deluge already agrees.
ASSUMED_STATE_HOLD: Final = timedelta(seconds=5)

DOWNLOADS_SWITCH: Final = SwitchEntityDescription(key="downloads", translation_key="downloads")
TURTLE_SWITCH: Final = SwitchEntityDescription(key="turtle_mode", translation_key="turtle_mode")
# A torrent's main control: it takes the device's name, which is the torrent's.
TORRENT_SWITCH: Final = SwitchEntityDescription(key="running", translation_key="torrent", name=None)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DelugeWebApiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the server's switches now, and each selected torrent's switch as it appears."""
    coordinator = entry.runtime_data.coordinator
    turtle = TurtleMode(hass, entry)
    await turtle.async_load()
    async_add_entities(
        [DelugeDownloadsSwitch(coordinator, DOWNLOADS_SWITCH), DelugeTurtleSwitch(coordinator, turtle)]
    )

    def add_torrents(hashes: Collection[str]) -> None:
        async_add_entities(
            DelugeTorrentSwitch(coordinator, TORRENT_SWITCH, torrent_hash) for torrent_hash in hashes
        )

    entry.runtime_data.torrent_devices.async_add_platform(add_torrents)


class _DelugeSwitch(DelugeWebApiEntity, SwitchEntity):
    """A switch that shows the state just asked for until Deluge reports it, or for a while."""

    _assumed: tuple[bool, datetime] | None = None

    def _actual(self) -> bool | None:
        raise NotImplementedError

    @property
    def is_on(self) -> bool | None:
        """Return the state asked for a moment ago, else the state Deluge reports."""
        if self._assumed is not None and self._assumed[1] > dt_util.utcnow():
            return self._assumed[0]
        return self._actual()

    def _assume(self, *, is_on: bool) -> None:
        self._assumed = (is_on, dt_util.utcnow() + ASSUMED_STATE_HOLD)
        self._handle_coordinator_update()

    def _shown(self) -> tuple[object, ...]:
        if self._assumed is not None and (
            self._actual() == self._assumed[0] or self._assumed[1] <= dt_util.utcnow()
        ):
            self._assumed = None
        return (self.available, self.is_on)


class DelugeDownloadsSwitch(_DelugeSwitch, DelugeServerEntity):
    """On while Deluge's session runs; off pauses the session and leaves each torrent's own state."""

    def _actual(self) -> bool | None:
        return not self.coordinator.data.session_paused

    @deluge_exception_handler
    async def async_turn_on(self, **kwargs: Any) -> None:  # noqa: ARG002
        """Resume the session: torrents paused one by one stay paused."""
        await self.coordinator.client.resume_session()
        self._assume(is_on=True)

    @deluge_exception_handler
    async def async_turn_off(self, **kwargs: Any) -> None:  # noqa: ARG002
        """Pause the whole session."""
        await self.coordinator.client.pause_session()
        self._assume(is_on=False)


class DelugeTorrentSwitch(_DelugeSwitch, DelugeTorrentEntity):
    """On while the torrent runs (also while it waits in Deluge's queue); off while it is paused."""

    def _actual(self) -> bool | None:
        torrent = self.torrent
        return None if torrent is None else is_running(torrent)

    @deluge_exception_handler
    async def async_turn_on(self, **kwargs: Any) -> None:  # noqa: ARG002
        """Resume the torrent."""
        await self.coordinator.client.resume_torrents([self.torrent_hash])
        self._assume(is_on=True)

    @deluge_exception_handler
    async def async_turn_off(self, **kwargs: Any) -> None:  # noqa: ARG002
        """Pause the torrent."""
        await self.coordinator.client.pause_torrents([self.torrent_hash])
        self._assume(is_on=False)


class DelugeTurtleSwitch(DelugeServerEntity, SwitchEntity):
    """On while Deluge has turtle mode's limits (turtle.py); off puts back the limits from before."""

    def __init__(self, coordinator: DelugeWebApiCoordinator, turtle: TurtleMode) -> None:
        super().__init__(coordinator, TURTLE_SWITCH)
        self._turtle = turtle

    @property
    def is_on(self) -> bool:
        """Return whether turtle mode is on and Deluge still has its limits."""
        return self._turtle.is_on(self.coordinator.data.speed_limits)

    def _shown(self) -> tuple[object, ...]:
        return (self.available, self.is_on)

    @deluge_exception_handler
    async def async_turn_on(self, **kwargs: Any) -> None:  # noqa: ARG002
        """Remember Deluge's limits and set turtle mode's."""
        await self._turtle.async_turn_on()

    @deluge_exception_handler
    async def async_turn_off(self, **kwargs: Any) -> None:  # noqa: ARG002
        """Put back the limits turtle mode replaced."""
        await self._turtle.async_turn_off()
