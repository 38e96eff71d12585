"""Torrent events: bus events and the event entity, from the diff of each poll with the last one.

Unit-level tests drive the tracker with torrent data directly; the end-to-end ones run the whole
integration against a real Deluge and let time pass with the freezer.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    EVENT_HOMEASSISTANT_STARTED,
    STATE_UNKNOWN,
)
from homeassistant.core import CoreState, Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.deluge_webapi.client import Torrent
from custom_components.deluge_webapi.const import DOMAIN
from custom_components.deluge_webapi.events import (
    EVENT_TORRENT_ADDED,
    EVENT_TORRENT_COMPLETED,
    EVENT_TORRENT_ERROR,
    EVENT_TORRENT_REMOVED,
    SAVE_DELAY,
    STORAGE_VERSION,
    TorrentEventTracker,
    storage_key,
)
from tests.conftest import make_config_entry
from tests.deluge_harness import DelugeServer, make_torrent

ENTRY_ID = "01JTESTENTRY0000000000000"
HASH_A = "a" * 40
HASH_B = "b" * 40
HASH_C = "c" * 40
ALL_EVENTS = (EVENT_TORRENT_ADDED, EVENT_TORRENT_COMPLETED, EVENT_TORRENT_REMOVED, EVENT_TORRENT_ERROR)

_BLANK = Torrent(
    hash=HASH_A,
    name=None,
    state=None,
    progress=None,
    download_rate=None,
    upload_rate=None,
    eta=None,
    ratio=None,
    total_size=None,
    total_done=None,
    total_uploaded=None,
    num_seeds=None,
    num_peers=None,
    total_seeds=None,
    total_peers=None,
    save_path=None,
    label=None,
    time_added=None,
    completed_time=None,
    is_finished=None,
    paused=None,
    message=None,
    tracker_host=None,
)


def torrent(torrent_hash: str, state: str, progress: float, **fields: Any) -> Torrent:
    """A torrent as the coordinator holds it; finished exactly at 100 % unless told."""
    fields.setdefault("is_finished", progress >= 100)
    return replace(
        _BLANK,
        hash=torrent_hash,
        name=f"name-{torrent_hash[0]}",
        state=state,
        progress=progress,
        save_path="/downloads",
        label="films",
        total_size=1000,
        **fields,
    )


def poll(*torrents: Torrent) -> dict[str, Torrent]:
    return {item.hash: item for item in torrents}


class Recorder:
    """Every torrent bus event, as (event type, torrent id)."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.events: list[Event] = []
        for event_type in ALL_EVENTS:
            hass.bus.async_listen(event_type, self._record)

    @callback
    def _record(self, event: Event) -> None:
        self.events.append(event)

    def take(self) -> list[tuple[str, str]]:
        seen = [
            (str(event.event_type).removeprefix(f"{DOMAIN}_torrent_"), event.data["torrent_id"])
            for event in self.events
        ]
        self.events.clear()
        return seen


@pytest.fixture
def recorder(hass: HomeAssistant) -> Recorder:
    return Recorder(hass)


async def new_tracker(hass: HomeAssistant) -> TorrentEventTracker:
    tracker = TorrentEventTracker(hass, ENTRY_ID)
    await tracker.async_load()
    return tracker


async def test_first_data_is_a_baseline(hass: HomeAssistant, recorder: Recorder) -> None:
    """A brand-new entry reports nothing about the torrents Deluge already had."""
    tracker = await new_tracker(hass)

    tracker.async_process(poll(torrent(HASH_A, "Seeding", 100), torrent(HASH_B, "Error", 10)))
    await hass.async_block_till_done()

    assert recorder.take() == []


async def test_added_completed_removed_with_event_data(hass: HomeAssistant, recorder: Recorder) -> None:
    tracker = await new_tracker(hass)
    tracker.async_process(poll())

    tracker.async_process(poll(torrent(HASH_A, "Downloading", 10)))
    tracker.async_process(poll(torrent(HASH_A, "Downloading", 60)))
    tracker.async_process(poll(torrent(HASH_A, "Seeding", 100)))
    data = [dict(event.data) for event in recorder.events]
    assert recorder.take() == [("added", HASH_A), ("completed", HASH_A)]
    assert data[1] == {
        "config_entry_id": ENTRY_ID,
        "torrent_id": HASH_A,
        "name": "name-a",
        "save_path": "/downloads",
        "label": "films",
        "size": 1000,
    }

    tracker.async_process(poll())
    assert recorder.take() == [("removed", HASH_A)]
    tracker.async_process(poll())
    assert recorder.take() == []


async def test_torrent_added_already_complete(hass: HomeAssistant, recorder: Recorder) -> None:
    """Data already on disk: the torrent is added and complete at first sight, both reported once."""
    tracker = await new_tracker(hass)
    tracker.async_process(poll())

    tracker.async_process(poll(torrent(HASH_A, "Seeding", 100)))
    tracker.async_process(poll(torrent(HASH_A, "Seeding", 100)))

    assert recorder.take() == [("added", HASH_A), ("completed", HASH_A)]


async def test_pause_resume_recheck_of_finished_torrent_does_not_complete_again(
    hass: HomeAssistant, recorder: Recorder
) -> None:
    """Transmission #99094 / #36271: completion was tied to the Seeding state and fired again."""
    tracker = await new_tracker(hass)
    tracker.async_process(poll(torrent(HASH_A, "Downloading", 50)))

    tracker.async_process(poll(torrent(HASH_A, "Seeding", 100)))
    assert recorder.take() == [("completed", HASH_A)]

    for state, progress, finished in (
        ("Paused", 100, True),  # paused
        ("Seeding", 100, True),  # resumed
        ("Checking", 37.5, False),  # rechecking: libtorrent reports the check's progress
        ("Queued", 100, False),  # queued for the check
        ("Seeding", 100, True),  # checked
        ("Paused", 100, True),  # whole session paused
        ("Seeding", 100, True),
    ):
        tracker.async_process(poll(torrent(HASH_A, state, progress, is_finished=finished)))
    assert recorder.take() == []


async def test_finished_then_stopped_at_ratio_zero_completes_once(
    hass: HomeAssistant, recorder: Recorder
) -> None:
    """A torrent that stops seeding at once (ratio limit 0) is never seen Seeding: still completed."""
    tracker = await new_tracker(hass)
    tracker.async_process(poll(torrent(HASH_A, "Downloading", 80, ratio=0.0)))

    tracker.async_process(poll(torrent(HASH_A, "Paused", 100, ratio=0.0, paused=True)))
    tracker.async_process(poll(torrent(HASH_A, "Paused", 100, ratio=0.0, paused=True)))

    assert recorder.take() == [("completed", HASH_A)]


async def test_progress_100_counts_when_deluge_gives_no_finished_flag(
    hass: HomeAssistant, recorder: Recorder
) -> None:
    tracker = await new_tracker(hass)
    tracker.async_process(poll(torrent(HASH_A, "Downloading", 99.5, is_finished=None)))

    tracker.async_process(poll(torrent(HASH_A, "Seeding", 100, is_finished=None)))
    tracker.async_process(poll(torrent(HASH_A, "Paused", 100, is_finished=None)))

    assert recorder.take() == [("completed", HASH_A)]


async def test_downloading_again_after_lost_data_is_a_new_completion(
    hass: HomeAssistant, recorder: Recorder
) -> None:
    """A recheck that finds pieces missing sends the torrent back to Downloading: it completes anew."""
    tracker = await new_tracker(hass)
    tracker.async_process(poll(torrent(HASH_A, "Seeding", 100)))

    tracker.async_process(poll(torrent(HASH_A, "Checking", 40, is_finished=False)))
    tracker.async_process(poll(torrent(HASH_A, "Downloading", 90)))
    tracker.async_process(poll(torrent(HASH_A, "Seeding", 100)))

    assert recorder.take() == [("completed", HASH_A)]


async def test_error_fires_once_per_entry_into_error(hass: HomeAssistant, recorder: Recorder) -> None:
    tracker = await new_tracker(hass)
    tracker.async_process(poll(torrent(HASH_A, "Downloading", 10)))

    tracker.async_process(poll(torrent(HASH_A, "Error", 10, message="No space left on device")))
    tracker.async_process(poll(torrent(HASH_A, "Error", 10)))
    assert recorder.take() == [("error", HASH_A)]

    tracker.async_process(poll(torrent(HASH_A, "Downloading", 10)))
    tracker.async_process(poll(torrent(HASH_A, "Error", 10)))
    assert recorder.take() == [("error", HASH_A)]


async def test_restart_reports_what_happened_while_down_once(
    hass: HomeAssistant, hass_storage: dict[str, Any], recorder: Recorder
) -> None:
    """Stored state from the last run: finished while down -> completed; gone -> removed; new -> added."""
    hass_storage[storage_key(ENTRY_ID)] = {
        "version": STORAGE_VERSION,
        "minor_version": 1,
        "key": storage_key(ENTRY_ID),
        "data": {
            "torrents": {
                HASH_A: [False, False, "Film A", "/downloads", "films", 700],
                HASH_B: [True, False, "Film B", "/downloads/b", "", 900],
            }
        },
    }
    tracker = await new_tracker(hass)

    tracker.async_process(poll(torrent(HASH_A, "Seeding", 100), torrent(HASH_C, "Downloading", 1)))
    events = {(event.event_type, event.data["torrent_id"]): dict(event.data) for event in recorder.events}
    assert sorted(recorder.take()) == [("added", HASH_C), ("completed", HASH_A), ("removed", HASH_B)]
    # A removed torrent is described by what was remembered of it.
    assert events[EVENT_TORRENT_REMOVED, HASH_B] == {
        "config_entry_id": ENTRY_ID,
        "torrent_id": HASH_B,
        "name": "Film B",
        "save_path": "/downloads/b",
        "label": "",
        "size": 900,
    }

    tracker.async_process(poll(torrent(HASH_A, "Seeding", 100), torrent(HASH_C, "Downloading", 1)))
    assert recorder.take() == []


async def test_state_is_saved_for_the_next_run(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory, recorder: Recorder
) -> None:
    """What one run saw is what the next run compares with: a completion is reported once in all."""
    tracker = await new_tracker(hass)
    tracker.async_process(poll(torrent(HASH_A, "Downloading", 50), torrent(HASH_B, "Seeding", 100)))
    tracker.async_process(poll(torrent(HASH_A, "Seeding", 100), torrent(HASH_B, "Seeding", 100)))
    assert recorder.take() == [("completed", HASH_A)]

    freezer.tick(timedelta(seconds=SAVE_DELAY + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    stored = hass_storage[storage_key(ENTRY_ID)]["data"]["torrents"]
    assert set(stored) == {HASH_A, HASH_B}
    assert stored[HASH_A][:2] == [True, False]

    # The next run: a finished torrent that is still finished is not reported again.
    restarted = await new_tracker(hass)
    restarted.async_process(poll(torrent(HASH_A, "Paused", 100), torrent(HASH_B, "Seeding", 100)))
    assert recorder.take() == []


async def test_malformed_stored_records_are_dropped(
    hass: HomeAssistant, hass_storage: dict[str, Any], recorder: Recorder
) -> None:
    hass_storage[storage_key(ENTRY_ID)] = {
        "version": STORAGE_VERSION,
        "key": storage_key(ENTRY_ID),
        "data": {"torrents": {HASH_A: [True, False, "A", None, None, 1], HASH_B: "junk", HASH_C: [1, 2]}},
    }
    tracker = await new_tracker(hass)

    tracker.async_process(poll(torrent(HASH_A, "Seeding", 100)))

    # B and C were never validly known: nothing to report as removed; A is unchanged.
    assert recorder.take() == []


async def test_events_before_the_entity_listens_are_delivered_to_it(hass: HomeAssistant) -> None:
    tracker = await new_tracker(hass)
    tracker.async_process(poll())
    tracker.async_process(poll(torrent(HASH_A, "Seeding", 100)))
    heard: list[tuple[str, str]] = []

    unsubscribe = tracker.async_listen(
        lambda event_type, data: heard.append((event_type, data["torrent_id"]))
    )
    tracker.async_process(poll())

    assert heard == [("added", HASH_A), ("completed", HASH_A), ("removed", HASH_A)]
    unsubscribe()


async def test_work_per_poll_is_linear(hass: HomeAssistant, recorder: Recorder) -> None:
    """10,000 torrents: one poll with a few changes costs milliseconds, not seconds."""
    tracker = await new_tracker(hass)
    many = [torrent(f"{index:040x}", "Downloading", 50) for index in range(10_000)]
    tracker.async_process(poll(*many))

    many[5] = replace(many[5], state="Seeding", progress=100.0, is_finished=True)
    started = time.perf_counter()
    tracker.async_process(poll(*many))
    elapsed = time.perf_counter() - started

    assert recorder.take() == [("completed", many[5].hash)]
    assert elapsed < 0.5


# End to end, against a real Deluge


def add_config_entry(hass: HomeAssistant, server: DelugeServer) -> MockConfigEntry:
    entry = make_config_entry(server)
    entry.add_to_hass(hass)
    return entry


async def poll_deluge(hass: HomeAssistant, freezer: FrozenDateTimeFactory, until: Callable[[], bool]) -> None:
    """Let polls happen (Deluge's own state changes meanwhile) until ``until()`` holds."""
    for _ in range(40):
        freezer.tick(timedelta(seconds=31))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        if until():
            return
        await hass.async_add_executor_job(time.sleep, 0.25)
    pytest.fail("Deluge did not get there")


async def test_real_torrent_completes_once(
    hass: HomeAssistant,
    deluge_factory: Callable[..., DelugeServer],
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """A torrent whose data is on disk is added, checks, reaches 100 %: completed exactly once."""
    server = deluge_factory()
    made = make_torrent(server.download_dir, "already-here.bin")
    entry = add_config_entry(hass, server)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    recorder = Recorder(hass)
    entity_id = entity_registry.async_get_entity_id("event", DOMAIN, f"{entry.entry_id}_torrent_events")
    assert entity_id is not None
    assert hass.states.get(entity_id).state == STATE_UNKNOWN  # type: ignore[union-attr]

    await hass.services.async_call(
        DOMAIN,
        "add_torrent",
        {"config_entry_id": entry.entry_id, "torrent": base64.b64encode(made.metainfo).decode()},
        blocking=True,
    )

    def completed() -> bool:
        return any(event.event_type == EVENT_TORRENT_COMPLETED for event in recorder.events)

    await poll_deluge(hass, freezer, completed)
    for _ in range(3):  # more polls: still once
        freezer.tick(timedelta(seconds=31))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    assert recorder.take() == [("added", made.info_hash), ("completed", made.info_hash)]
    assert server.torrents()[made.info_hash]["progress"] == 100
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["event_type"] == "completed"
    assert state.attributes["torrent_id"] == made.info_hash
    assert state.attributes["name"] == "already-here.bin"
    assert state.attributes["size"] == 64 * 1024
    assert state.attributes["save_path"] == str(server.download_dir)


async def test_real_restart_reports_removal_once_and_removal_forgets(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    deluge_factory: Callable[..., DelugeServer],
    entity_registry: er.EntityRegistry,
) -> None:
    """A torrent removed while the entry was unloaded is reported once it is back, to bus and entity."""
    server = deluge_factory()
    made = make_torrent(server.download_dir, "kept.bin")
    gone = make_torrent(server.download_dir, "gone.bin")
    for item in (made, gone):
        server.call("webapi.add_torrent", base64.b64encode(item.metainfo).decode(), {})
    entry = add_config_entry(hass, server)
    recorder = Recorder(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert recorder.take() == []  # a new entry: what Deluge has is the baseline
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    # Unloading wrote the baseline: both torrents, known, nothing reported for them.
    assert set(hass_storage[storage_key(entry.entry_id)]["data"]["torrents"]) == {
        made.info_hash,
        gone.info_hash,
    }

    server.call("webapi.remove_torrent", gone.info_hash, False)  # noqa: FBT003
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert recorder.take() == [("removed", gone.info_hash)]
    entity_id = entity_registry.async_get_entity_id("event", DOMAIN, f"{entry.entry_id}_torrent_events")
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["event_type"] == "removed"
    assert state.attributes["name"] == "gone.bin"

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert storage_key(entry.entry_id) not in hass_storage


async def test_nothing_is_reported_before_home_assistant_has_started(
    hass: HomeAssistant, hass_storage: dict[str, Any], recorder: Recorder
) -> None:
    """At start-up automations may not listen yet: the catch-up waits for Home Assistant to start."""
    hass_storage[storage_key(ENTRY_ID)] = {
        "version": STORAGE_VERSION,
        "key": storage_key(ENTRY_ID),
        "data": {"torrents": {HASH_A: [False, False, "A", None, None, 1]}},
    }
    tracker = await new_tracker(hass)
    current = poll(torrent(HASH_A, "Seeding", 100))
    listeners: list[Callable[[], None]] = []

    def add_listener(listener: Callable[[], None]) -> Callable[[], None]:
        listeners.append(listener)
        return lambda: listeners.remove(listener)

    hass.set_state(CoreState.starting)
    stop = tracker.async_start(lambda: current, add_listener)
    listeners[0]()  # a poll while Home Assistant is starting
    await hass.async_block_till_done()
    assert recorder.take() == []

    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    assert recorder.take() == [("completed", HASH_A)]

    listeners[0]()
    stop()
    assert listeners == []
    assert recorder.take() == []
