"""Scenarios 11 and 12: a torrent removed outside Home Assistant; 100 actions in quick succession."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from functools import partial
import random
from typing import Any

from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest

from custom_components.deluge_webapi.const import DOMAIN
from custom_components.deluge_webapi.events import EVENT_TORRENT_REMOVED
from tests.conftest import DelugeFactory
from tests.deluge_harness import DelugeServer, TorrentFile, make_torrent
from tests.integration_helpers import add_torrent, remove_torrent, wait_for_web_state

from .conftest import Watch
from .helpers import Watched, wait_real
from .proxy import Fault


def assert_nothing_orphaned(
    hass: HomeAssistant, watched: Watched, torrents: set[str], *, available: bool = True
) -> None:
    """Exactly one device per torrent (plus the server's); every entity on one of those devices."""
    entry_id = watched.entry.entry_id
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
    identifiers = sorted(identifier for device in devices for _, identifier in device.identifiers)
    assert identifiers == sorted([entry_id, *(f"{entry_id}_{torrent_hash}" for torrent_hash in torrents)])
    device_ids = {device.id for device in devices}
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    assert all(entity.device_id in device_ids for entity in entities)
    torrent_entities = {
        entity.unique_id.removeprefix(f"{entry_id}_").split("_", 1)[0]
        for entity in entities
        if len(entity.unique_id.removeprefix(f"{entry_id}_").split("_", 1)[0]) == 40
    }
    assert torrent_entities == torrents
    for entity in entities:
        if entity.disabled_by is None:
            assert hass.states.get(entity.entity_id) is not None
    if available:
        assert watched.state("torrents") == str(len(torrents))


async def web_lists(hass: HomeAssistant, server: DelugeServer, torrent_hash: str) -> bool:
    """Whether the WebAPI (what a poll reads) still lists the torrent."""
    result = await hass.async_add_executor_job(server.call, "webapi.get_torrents", None, ["hash"])
    return any(torrent.get("hash") == torrent_hash for torrent in result["torrents"])


@pytest.mark.scenario(11)
async def test_torrent_removed_outside_home_assistant(
    hass: HomeAssistant, deluge_factory: DelugeFactory, watch: Watch
) -> None:
    """Its device and entities go within one poll, whether it was seen leaving or not; nothing is left.

    The first torrent is removed while Home Assistant watches, the second while Deluge is hidden
    behind a proxy that answers with errors; each is gone after the next successful poll.
    """
    server = deluge_factory()
    names = ("keep.bin", "removed.bin", "removed-unseen.bin")
    torrents = [await add_torrent(hass, server, name) for name in names]
    for torrent in torrents:
        await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    keep, removed, unseen = (torrent.info_hash for torrent in torrents)
    watched = await watch(server)
    assert_nothing_orphaned(hass, watched, {keep, removed, unseen})
    removed_events: list[str] = []

    @callback
    def on_removed(event: Event) -> None:
        removed_events.append(event.data["torrent_id"])

    hass.bus.async_listen(EVENT_TORRENT_REMOVED, on_removed)

    await remove_torrent(hass, server, removed)
    await wait_real(lambda: _gone(hass, server, removed), "the WebAPI no longer lists it")
    await watched.poll()
    assert_nothing_orphaned(hass, watched, {keep, unseen})
    assert removed_events == [removed]

    watched.proxy.fault = Fault.BAD_GATEWAY
    await watched.poll()
    watched.assert_unavailable("cannot_connect")
    await remove_torrent(hass, server, unseen)
    await wait_real(lambda: _gone(hass, server, unseen), "the WebAPI no longer lists it")
    await watched.poll()
    assert_nothing_orphaned(hass, watched, {keep, unseen}, available=False)  # nothing dropped blindly
    watched.proxy.fault = Fault.NONE
    await watched.poll()

    watched.assert_available()
    assert_nothing_orphaned(hass, watched, {keep})
    assert watched.state("state", keep) == "seeding"
    assert removed_events == [removed, unseen]
    assert all(torrent.data_path.exists() for torrent in torrents)  # removed from Deluge, not from disk
    watched.assert_no_pile_up([])


async def _gone(hass: HomeAssistant, server: DelugeServer, torrent_hash: str) -> bool:
    return not await web_lists(hass, server, torrent_hash)


# Scenario 12

ACTIONS = 100
BURST = 20  # the last actions are sent all at once
SEQUENTIAL = ACTIONS - BURST
POOL = 50


@dataclass
class Outcome:
    """What one action claimed: the torrent added or removed, or the translated error."""

    kind: str
    torrent_hash: str
    error: str | None = None


async def call_action(hass: HomeAssistant, watched: Watched, kind: str, torrent: TorrentFile) -> Outcome:
    entry_id = watched.entry.entry_id
    error: HomeAssistantError | None = None
    try:
        if kind == "add":
            response = await hass.services.async_call(
                DOMAIN,
                "add_torrent",
                {
                    "config_entry_id": entry_id,
                    "torrent": base64.b64encode(torrent.metainfo).decode(),
                    "download_location": str(watched.server.download_dir),
                },
                blocking=True,
                return_response=True,
            )
            assert response == {"torrent_id": torrent.info_hash}
        else:
            await hass.services.async_call(
                DOMAIN,
                "remove_torrent",
                {"config_entry_id": entry_id, "torrent_id": [torrent.info_hash]},
                blocking=True,
            )
    except HomeAssistantError as err:
        error = err
    if error is None:
        return Outcome(kind, torrent.info_hash)
    assert error.translation_domain == DOMAIN, repr(error)
    assert error.translation_key, repr(error)
    return Outcome(kind, torrent.info_hash, error.translation_key)


@pytest.mark.scenario(12)
async def test_hundred_actions_in_quick_succession(
    hass: HomeAssistant, deluge_factory: DelugeFactory, watch: Watch
) -> None:
    """100 adds and removes of real .torrent files; Deluge ends up with what the actions claimed.

    Each action succeeds or fails with a translated error.

    80 are sent one after the other, as fast as each returns: adds, duplicate adds, removes,
    removes of torrents already gone, and adds of removed torrents again, in a random (seeded)
    order. Every outcome is the one expected. The last 20 (10 adds, 10 removes) are sent all
    at once. No request is retried in a pile: at most one poll plus one request per running
    action is ever in flight.
    """
    server = deluge_factory()
    watched = await watch(server)
    pool: list[TorrentFile] = await hass.async_add_executor_job(partial(_make_pool, server, POOL))
    rng = random.Random(12)  # noqa: S311 - the order of the actions, not a secret
    fresh = list(pool)
    present: dict[str, TorrentFile] = {}
    absent: dict[str, TorrentFile] = {}
    outcomes: list[Outcome] = []
    expected_errors: dict[str, set[str | None]] = {
        "add": {None},
        "add_duplicate": {"duplicate_torrent"},
        "remove": {None},
        # Removed a moment ago: unknown to Deluge, or (still in the last poll) refused by it.
        "remove_absent": {"unknown_torrent", "torrent_not_found"},
        "add_again": {None},
    }

    for _ in range(SEQUENTIAL):
        kinds = ["add"] * (len(fresh) > BURST // 2) * 4
        kinds += ["add_duplicate", "remove", "remove"] if present else []
        kinds += ["remove_absent", "add_again"] if absent else []
        kind = rng.choice(kinds)
        if kind == "add":
            torrent = fresh.pop(rng.randrange(len(fresh)))
        elif kind in ("add_duplicate", "remove"):
            torrent = present[rng.choice(sorted(present))]
        else:
            torrent = absent[rng.choice(sorted(absent))]
        outcome = await call_action(hass, watched, "add" if kind.startswith("add") else "remove", torrent)
        outcomes.append(outcome)
        assert outcome.error in expected_errors[kind], (kind, outcome)
        if outcome.error is None and kind in ("add", "add_again"):
            present[torrent.info_hash] = absent.pop(torrent.info_hash, torrent)
        elif outcome.error is None and kind == "remove":
            absent[torrent.info_hash] = present.pop(torrent.info_hash)
    sequential_in_flight = watched.proxy.max_in_flight

    to_add = fresh[: BURST // 2]
    to_remove = [present[torrent_hash] for torrent_hash in sorted(present)[: BURST // 2]]
    assert len(to_add) == len(to_remove) == BURST // 2
    burst = await asyncio.gather(
        *(call_action(hass, watched, "add", torrent) for torrent in to_add),
        *(call_action(hass, watched, "remove", torrent) for torrent in to_remove),
    )
    outcomes += burst
    assert [outcome.error for outcome in burst] == [None] * BURST
    for torrent in to_add:
        present[torrent.info_hash] = torrent
    for torrent in to_remove:
        del present[torrent.info_hash]

    assert len(outcomes) == ACTIONS
    kinds_done = {(outcome.kind, outcome.error) for outcome in outcomes}
    assert ("add", "duplicate_torrent") in kinds_done
    assert any(kind == "remove" and error for kind, error in kinds_done)
    in_deluge = await hass.async_add_executor_job(server.torrents)
    assert set(in_deluge) == set(present)

    await watched.poll()
    await wait_real(lambda: _web_lists_exactly(hass, server, set(present)), "the WebAPI lists them")
    await watched.poll()
    watched.assert_available()
    assert_nothing_orphaned(hass, watched, set(present))
    assert sequential_in_flight <= watched.one_poll + 1, sequential_in_flight
    assert watched.proxy.max_in_flight <= watched.one_poll + BURST
    assert watched.reauth_flows() == []


async def _web_lists_exactly(hass: HomeAssistant, server: DelugeServer, torrents: set[str]) -> bool:
    result: dict[str, Any] = await hass.async_add_executor_job(
        server.call, "webapi.get_torrents", None, ["hash", "state"]
    )
    listed = {torrent.get("hash") for torrent in result["torrents"]}
    return listed == torrents


def _make_pool(server: DelugeServer, count: int) -> list[TorrentFile]:
    return [make_torrent(server.download_dir, f"action-{index:03}.bin", 16 * 1024) for index in range(count)]
