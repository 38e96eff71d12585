"""Turtle mode: Deluge's global limits swapped for a preset, and back to what they were before.

While turtle mode is on, what the limits were before it and the preset it set are stored (one
file per config entry), so turning it off after a restart of Home Assistant still restores them.

Turtle mode is on while Deluge's limits are the preset. A limit changed since, in Deluge's own
UI or with a number entity, turns it off as far as the switch shows: the switch does not claim a
preset that is no longer there. Turning it off then puts back only the limits still at turtle
mode's value and leaves the ones changed since; turning it on takes the changed ones as the new
"before". A new preset in the options applies at the next set-up if turtle mode is on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .client import DelugeError, DelugeResponseError
from .const import (
    CONF_TURTLE_DOWNLOAD_KIB,
    CONF_TURTLE_UPLOAD_KIB,
    DEFAULT_TURTLE_DOWNLOAD_KIB,
    DEFAULT_TURTLE_UPLOAD_KIB,
    DOMAIN,
    LOGGER,
)
from .coordinator import DelugeWebApiConfigEntry, DelugeWebApiCoordinator
from .speed_limits import (
    SPEED_LIMIT_KEYS,
    SpeedLimits,
    async_fetch_speed_limits,
    async_write_speed_limits,
    deluge_limit,
    same_limit,
)

STORAGE_VERSION: Final = 1


def storage_key(entry_id: str) -> str:
    """Return the storage key of a config entry's turtle mode."""
    return f"{DOMAIN}.{entry_id}.turtle"


def preset_of(entry: DelugeWebApiConfigEntry) -> SpeedLimits:
    """Return the turtle mode limits of the entry's options, as Deluge stores limits."""
    options = entry.options
    return SpeedLimits(
        download=deluge_limit(options.get(CONF_TURTLE_DOWNLOAD_KIB, DEFAULT_TURTLE_DOWNLOAD_KIB)),
        upload=deluge_limit(options.get(CONF_TURTLE_UPLOAD_KIB, DEFAULT_TURTLE_UPLOAD_KIB)),
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class TurtleState:
    """What is stored while turtle mode is on."""

    previous: SpeedLimits
    """Deluge's limits before turtle mode."""
    preset: SpeedLimits
    """The limits turtle mode set."""

    def as_dict(self) -> dict[str, Any]:
        """Return the state as stored."""
        return {"previous": self.previous.as_config(), "preset": self.preset.as_config()}

    @classmethod
    def from_dict(cls, stored: Any) -> TurtleState | None:
        """Return the stored state; None for anything malformed."""
        try:
            return cls(
                previous=SpeedLimits.from_config(stored["previous"]),
                preset=SpeedLimits.from_config(stored["preset"]),
            )
        except (DelugeResponseError, KeyError, TypeError, AttributeError):
            return None


def without_turtle(current: SpeedLimits, state: TurtleState) -> SpeedLimits:
    """Return Deluge's limits with those still at turtle mode's value put back as they were."""
    return SpeedLimits(
        download=state.previous.download
        if same_limit(current.download, state.preset.download)
        else current.download,
        upload=state.previous.upload if same_limit(current.upload, state.preset.upload) else current.upload,
    )


class TurtleMode:
    """Turns turtle mode on and off for one config entry, and remembers what it replaced."""

    def __init__(self, hass: HomeAssistant, entry: DelugeWebApiConfigEntry) -> None:
        self._coordinator: DelugeWebApiCoordinator = entry.runtime_data.coordinator
        self._preset = preset_of(entry)
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, storage_key(entry.entry_id))
        self._state: TurtleState | None = None
        self._lock = asyncio.Lock()

    @property
    def state(self) -> TurtleState | None:
        """Return what turtle mode replaced, while it is on."""
        return self._state

    async def async_load(self) -> None:
        """Read the stored state; when the preset changed in the options, apply the new one."""
        stored = await self._store.async_load()
        self._state = TurtleState.from_dict(stored) if stored is not None else None
        if (state := self._state) is None or state.preset == self._preset:
            return
        if not self._coordinator.data.speed_limits.matches(state.preset):
            return  # off since the limits changed: the new preset applies when it is turned on
        try:
            await async_write_speed_limits(self._coordinator, self._preset.as_config())
        except DelugeError as err:
            LOGGER.warning("Could not apply the new turtle mode limits: %s", err)
            return
        await self._save(TurtleState(previous=state.previous, preset=self._preset))

    def is_on(self, current: SpeedLimits) -> bool:
        """Return whether turtle mode is on and Deluge's limits are still its preset."""
        return self._state is not None and current.matches(self._state.preset)

    async def async_turn_on(self) -> None:
        """Remember Deluge's limits, then set the preset."""
        async with self._lock:
            current = await async_fetch_speed_limits(self._coordinator.client)
            old = self._state
            if old is not None and old.preset == self._preset and current.matches(old.preset):
                return  # on already: what it replaced stays remembered
            previous = current if old is None else without_turtle(current, old)
            # Stored first, and kept when the write fails: a write that timed out may still have
            # reached Deluge, and what the preset replaced must not be lost. Kept in vain, it does
            # no harm: the switch is off while Deluge does not have the preset.
            await self._save(TurtleState(previous=previous, preset=self._preset))
            await async_write_speed_limits(self._coordinator, self._preset.as_config())

    async def async_turn_off(self) -> None:
        """Put back the limits turtle mode replaced, where Deluge still has its preset."""
        async with self._lock:
            if (state := self._state) is None:
                return
            current = await async_fetch_speed_limits(self._coordinator.client)
            restored = without_turtle(current, state)
            # Only what differs: a limit changed a moment ago in Deluge is not overwritten.
            if changes := {
                key: restored.value(key)
                for key in SPEED_LIMIT_KEYS
                if restored.value(key) != current.value(key)
            }:
                await async_write_speed_limits(self._coordinator, changes)
            await self._save(None)

    async def _save(self, state: TurtleState | None) -> None:
        self._state = state
        if state is None:
            await self._store.async_remove()
        else:
            await self._store.async_save(state.as_dict())


async def async_remove_turtle_state(hass: HomeAssistant, entry_id: str) -> None:
    """Forget what turtle mode replaced on a removed server."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()
