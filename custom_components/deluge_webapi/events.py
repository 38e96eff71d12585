"""Torrent events: each poll is compared with the last seen state, which survives restarts.

Completion is tracked per torrent hash, from ``is_finished`` (or progress 100 when Deluge does not
say): never from a state such as Seeding, so pausing, resuming or rechecking a finished torrent
does not report it again, and a torrent that stopped right after finishing is still reported.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from enum import StrEnum
from functools import partial
from itertools import compress
from operator import is_not
from typing import Any, Final, NamedTuple, cast

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.storage import Store

from .client import Torrent
from .const import DOMAIN, LOGGER

STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 10.0
# Events fired while no event entity listens (set-up, entity disabled) are kept for it, up to this many.
PENDING_EVENTS_LIMIT: Final = 50

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_TORRENT_ID: Final = "torrent_id"
ATTR_NAME: Final = "name"
ATTR_SAVE_PATH: Final = "save_path"
ATTR_LABEL: Final = "label"
ATTR_SIZE: Final = "size"

# A finished torrent that has gone back to downloading has lost data or gained wanted files:
# its next completion is a new one. Any other state (Paused, Queued, Checking...) keeps it reported.
_DOWNLOADING_STATE: Final = "Downloading"
_ERROR_STATE: Final = "Error"
_FULL_PROGRESS: Final = 100.0


class TorrentEventType(StrEnum):
    """The event types of the event entity; each has a bus event ``deluge_webapi_torrent_<type>``."""

    ADDED = "added"
    COMPLETED = "completed"
    REMOVED = "removed"
    ERROR = "error"

    @property
    def bus_event(self) -> str:
        """The event fired on Home Assistant's bus."""
        return f"{DOMAIN}_torrent_{self.value}"


EVENT_TORRENT_ADDED: Final = TorrentEventType.ADDED.bus_event
EVENT_TORRENT_COMPLETED: Final = TorrentEventType.COMPLETED.bus_event
EVENT_TORRENT_REMOVED: Final = TorrentEventType.REMOVED.bus_event
EVENT_TORRENT_ERROR: Final = TorrentEventType.ERROR.bus_event


class SeenTorrent(NamedTuple):
    """What is remembered of one torrent between polls (and restarts)."""

    completed: bool  # this completion has been reported
    error: bool  # was in the Error state
    name: str | None
    save_path: str | None
    label: str | None
    size: int | None


type TorrentEventListener = Callable[[TorrentEventType, dict[str, Any]], None]


def storage_key(entry_id: str) -> str:
    """Return the storage key holding the last seen torrents of a config entry."""
    return f"{DOMAIN}.{entry_id}.torrents"


def is_finished(torrent: Torrent) -> bool:
    """Whether every wanted piece is there, by Deluge's flag or else by progress."""
    if torrent.is_finished is not None:
        return torrent.is_finished
    return torrent.progress is not None and torrent.progress >= _FULL_PROGRESS


def observe(previous: SeenTorrent | None, torrent: Torrent) -> SeenTorrent:
    """Return the new remembered state of a torrent, from its previous one and this poll."""
    if is_finished(torrent):
        completed = True
    elif previous is None or torrent.state == _DOWNLOADING_STATE:
        completed = False
    else:
        completed = previous.completed
    return SeenTorrent(
        completed=completed,
        error=torrent.state == _ERROR_STATE,
        name=torrent.name,
        save_path=torrent.save_path,
        label=torrent.label,
        size=torrent.total_size,
    )


def transitions(previous: SeenTorrent | None, current: SeenTorrent) -> list[TorrentEventType]:
    """Return the events between two remembered states of a torrent that is present now."""
    events: list[TorrentEventType] = []
    if previous is None:
        events.append(TorrentEventType.ADDED)
    if current.completed and (previous is None or not previous.completed):
        events.append(TorrentEventType.COMPLETED)
    if current.error and (previous is None or not previous.error):
        events.append(TorrentEventType.ERROR)
    return events


def _encode(seen: Mapping[str, SeenTorrent]) -> dict[str, Any]:
    return {"torrents": {torrent_hash: list(record) for torrent_hash, record in seen.items()}}


def _decode(stored: Mapping[str, Any]) -> dict[str, SeenTorrent]:
    """Return the stored records that are well formed; anything else is dropped."""
    torrents = stored.get("torrents")
    if not isinstance(torrents, dict):
        return {}
    seen: dict[str, SeenTorrent] = {}
    for torrent_hash, record in torrents.items():
        if not isinstance(record, list) or len(record) != len(SeenTorrent._fields):
            continue
        completed, error, name, save_path, label, size = record
        seen[torrent_hash] = SeenTorrent(
            completed=completed is True,
            error=error is True,
            name=name if isinstance(name, str) else None,
            save_path=save_path if isinstance(save_path, str) else None,
            label=label if isinstance(label, str) else None,
            size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        )
    return seen


class TorrentEventTracker:
    """Fires torrent events for one config entry by comparing each poll with the last one seen.

    Until the first data is processed the tracker holds the stored state of the previous run (or
    nothing, for a new entry: then the first data is only a baseline and fires nothing).
    """

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self._hass = hass
        self._entry_id = entry_id
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, storage_key(entry_id))
        self._seen: dict[str, SeenTorrent] | None = None
        self._seen_torrents: Mapping[str, Torrent] = {}  # what ``_seen`` was made from
        self._dirty = False
        self._listeners: list[TorrentEventListener] = []
        self._pending: deque[tuple[TorrentEventType, dict[str, Any]]] = deque(maxlen=PENDING_EVENTS_LIMIT)

    async def async_load(self) -> None:
        """Load the state remembered from the previous run, if any."""
        stored = await self._store.async_load()
        self._seen = _decode(stored) if isinstance(stored, dict) else None

    @callback
    def async_start(
        self,
        get_torrents: Callable[[], Mapping[str, Torrent] | None],
        add_listener: Callable[..., CALLBACK_TYPE],
    ) -> CALLBACK_TYPE:
        """Process the data of every update, once Home Assistant has started.

        Waiting for the start means automations listen before the catch-up with the state left
        by the previous run is reported. ``get_torrents`` returns None after a failed update.
        """
        started = False

        @callback
        def _process() -> None:
            if started and (torrents := get_torrents()) is not None:
                self.async_process(torrents)

        @callback
        def _at_started(_hass: HomeAssistant) -> None:
            nonlocal started
            started = True
            _process()

        unsubscribers = [add_listener(_process), async_at_started(self._hass, _at_started)]

        @callback
        def _stop() -> None:
            for unsubscribe in unsubscribers:
                unsubscribe()

        return _stop

    @callback
    def async_listen(self, listener: TorrentEventListener) -> CALLBACK_TYPE:
        """Call ``listener`` for each event; first with the events nobody has heard yet."""
        self._listeners.append(listener)
        while self._pending:
            listener(*self._pending.popleft())

        @callback
        def _remove() -> None:
            self._listeners.remove(listener)

        return _remove

    @callback
    def async_process(self, torrents: Mapping[str, Torrent]) -> None:
        """Compare this poll's torrents with the last seen ones and fire what changed.

        A torrent that is the very object of the last poll (the coordinator's parser keeps
        unchanged torrents) keeps its record: ``observe`` would give the same one again. Those
        are found by whole-mapping C calls; Python code runs for the others only.
        """
        previous_seen = self._seen
        # Every torrent's last record (None: not seen before), replaced below where it changed.
        records = dict(zip(torrents, map((previous_seen or {}).get, torrents), strict=True))
        events: list[tuple[TorrentEventType, str, SeenTorrent]] = []
        changed = previous_seen is None
        new = 0  # torrents not seen before
        not_the_same = map(is_not, map(self._seen_torrents.get, torrents), torrents.values())
        for torrent_hash, torrent in compress(torrents.items(), not_the_same):
            previous = records[torrent_hash]
            if previous is None:
                new += 1
            record = records[torrent_hash] = observe(previous, torrent)
            if previous_seen is not None and record != previous:
                changed = True
                events.extend((event, torrent_hash, record) for event in transitions(previous, record))
        current = cast("dict[str, SeenTorrent]", records)  # each None was replaced: not seen before
        # Unless every torrent seen before is still there (then nothing was removed).
        if previous_seen is not None and len(current) - new < len(previous_seen):
            for torrent_hash, record in previous_seen.items():
                if torrent_hash not in current:
                    changed = True
                    events.append((TorrentEventType.REMOVED, torrent_hash, record))
        self._seen = current
        self._seen_torrents = torrents
        if changed:
            self._async_schedule_save()
        for event_type, torrent_hash, record in events:
            self._fire(event_type, torrent_hash, record)

    @callback
    def _fire(self, event_type: TorrentEventType, torrent_hash: str, record: SeenTorrent) -> None:
        data: dict[str, Any] = {
            ATTR_CONFIG_ENTRY_ID: self._entry_id,
            ATTR_TORRENT_ID: torrent_hash,
            ATTR_NAME: record.name,
            ATTR_SAVE_PATH: record.save_path,
            ATTR_LABEL: record.label,
            ATTR_SIZE: record.size,
        }
        LOGGER.debug("Torrent %s %s", torrent_hash, event_type)
        self._hass.bus.async_fire(event_type.bus_event, data)
        if not self._listeners:
            self._pending.append((event_type, data))
        for listener in list(self._listeners):
            listener(event_type, data)

    @callback
    def _async_schedule_save(self) -> None:
        # The dict is replaced on every poll, never changed afterwards: encoded as it is now.
        if self._seen is not None:
            self._dirty = True
            self._store.async_delay_save(partial(_encode, self._seen), SAVE_DELAY)

    async def async_flush(self) -> None:
        """Write a pending change now (on unload, so a removal that follows finds nothing pending)."""
        if self._dirty and self._seen is not None:
            self._dirty = False
            await self._store.async_save(_encode(self._seen))


async def async_remove_stored_state(hass: HomeAssistant, entry_id: str) -> None:
    """Forget the last seen torrents of a removed config entry."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()
