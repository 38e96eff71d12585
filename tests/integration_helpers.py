"""Helpers for the entity tests: torrents in a real Deluge, polling, and snapshots of a platform."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from syrupy.assertion import SnapshotAssertion

from custom_components.deluge_webapi.const import DEFAULT_SCAN_INTERVAL, DOMAIN
from tests.deluge_harness import DelugeServer, TorrentFile, make_torrent

# Bounded waits for what Deluge does in its own time; real seconds, whatever the frozen clock says.
WAIT_STEP = 0.1
WAIT_STEPS = 300


async def deluge_call(hass: HomeAssistant, server: DelugeServer, method: str, *params: Any) -> Any:
    """Call Deluge through the test back door, off the event loop."""
    return await hass.async_add_executor_job(partial(server.call, method, *params))


async def add_torrent(
    hass: HomeAssistant,
    server: DelugeServer,
    name: str,
    *,
    size: int = 64 * 1024,
    seed: int | None = None,
    **options: Any,
) -> TorrentFile:
    """Add a torrent whose data is already in the download folder: it checks, then seeds."""
    torrent = await hass.async_add_executor_job(
        partial(make_torrent, server.download_dir, name, size, seed=seed)
    )
    options = {"download_location": str(server.download_dir), **options}
    torrent_id = await deluge_call(
        hass, server, "webapi.add_torrent", base64.b64encode(torrent.metainfo).decode(), options
    )
    assert torrent_id == torrent.info_hash
    return torrent


async def remove_torrent(
    hass: HomeAssistant, server: DelugeServer, torrent_hash: str, *, remove_data: bool = False
) -> None:
    """Remove a torrent through the WebAPI, as any other client of Deluge would."""
    assert await deluge_call(hass, server, "webapi.remove_torrent", torrent_hash, remove_data)


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    """The state of an entity that must exist."""
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} has no state"
    return state.state


async def web_torrents(hass: HomeAssistant, server: DelugeServer) -> dict[str, dict[str, Any]]:
    """The torrents as the WebAPI shows them now (what the integration's next poll sees), by hash."""
    fields = ["hash", "name", "state", "paused", "progress"]
    result = await deluge_call(hass, server, "webapi.get_torrents", None, fields)
    return {torrent["hash"]: torrent for torrent in result["torrents"]}


async def wait_until(hass: HomeAssistant, check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait (real time, bounded) until ``check`` is true."""
    for _ in range(WAIT_STEPS):
        if await check():
            return
        await hass.async_add_executor_job(time.sleep, WAIT_STEP)
    raise AssertionError(f"timed out waiting until {what}")


async def wait_for_web_state(
    hass: HomeAssistant, server: DelugeServer, torrent_hash: str, state: str
) -> None:
    """Wait until the WebAPI reports the torrent in ``state`` (its answers may be 1.5 s stale).

    Its cache refreshes each field on its own, so for Seeding the progress must say 100 too.
    """

    async def check() -> bool:
        torrent = (await web_torrents(hass, server)).get(torrent_hash)
        return (
            torrent is not None
            and torrent["state"] == state
            and (state != "Seeding" or torrent["progress"] == 100.0)
        )

    await wait_until(hass, check, f"{torrent_hash} is {state}")


async def poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, interval: timedelta = DEFAULT_SCAN_INTERVAL
) -> None:
    """Let one update interval pass and the coordinator's poll finish."""
    freezer.tick(interval)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def device_of(device_registry: dr.DeviceRegistry, entry_id: str, identifier: str) -> dr.DeviceEntry | None:
    """The config entry's device with the identifier ``(DOMAIN, identifier)``, if any."""
    for device in dr.async_entries_for_config_entry(device_registry, entry_id):
        if (DOMAIN, identifier) in device.identifiers:
            return device
    return None


def entity_ids_of(entity_registry: er.EntityRegistry, entry_id: str, domain: str | None = None) -> list[str]:
    """The entity ids a config entry has in the registry (of one domain), sorted."""
    return sorted(
        entity.entity_id
        for entity in er.async_entries_for_config_entry(entity_registry, entry_id)
        if domain is None or entity.domain == domain
    )


def snapshot_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    entry_id: str,
    domain: str,
) -> None:
    """Snapshot every registry entry of one platform, and the state of each enabled one.

    Like Home Assistant's ``snapshot_platform``, but entities disabled by default are kept in the
    snapshot (their ``disabled_by`` is part of the contract) and have no state.
    """
    entity_ids = entity_ids_of(entity_registry, entry_id, domain)
    assert entity_ids
    for entity_id in entity_ids:
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        assert entry == snapshot(name=f"{entity_id}-entry")
        state = hass.states.get(entity_id)
        if entry.disabled_by is None:
            assert state == snapshot(name=f"{entity_id}-state")
        else:
            assert state is None
