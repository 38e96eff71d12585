"""Sensors of the Deluge server and of its torrents, against a real Deluge."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import fields
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNKNOWN, Platform
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
import pytest
from syrupy.assertion import SnapshotAssertion

from custom_components.deluge_webapi.client import KNOWN_STATES, DelugeWebClient, Torrent
from custom_components.deluge_webapi.sensor import TORRENT_SENSORS
from tests.conftest import DelugeFactory, make_config_entry, setup_integration
from tests.integration_helpers import (
    add_torrent,
    deluge_call,
    entity_ids_of,
    poll,
    snapshot_entities,
    state_of,
    wait_for_web_state,
)

FREE_SPACE = 123 * 1024**3  # the real free space changes with the disk: fixed for the snapshot


@pytest.fixture(autouse=True)
def sensor_platform_only() -> Generator[None]:
    with patch("custom_components.deluge_webapi.PLATFORMS", [Platform.SENSOR]):
        yield


async def test_sensors_snapshot(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "snapshot.bin", seed=1)
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    entry = make_config_entry(server)

    with patch.object(DelugeWebClient, "get_free_space", return_value=FREE_SPACE):
        await setup_integration(hass, entry)

    snapshot_entities(hass, entity_registry, snapshot, entry.entry_id, Platform.SENSOR)


async def test_sensor_values_follow_deluge(
    hass: HomeAssistant, deluge_factory: DelugeFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Per-state counts, totals and a torrent's figures are Deluge's, in native units."""
    server = deluge_factory()
    seeding = await add_torrent(hass, server, "seeding.bin", size=48 * 1024)
    paused = await add_torrent(hass, server, "paused.bin", size=32 * 1024)
    await wait_for_web_state(hass, server, seeding.info_hash, "Seeding")
    await wait_for_web_state(hass, server, paused.info_hash, "Seeding")
    await deluge_call(hass, server, "core.pause_torrents", [paused.info_hash])
    await wait_for_web_state(hass, server, paused.info_hash, "Paused")
    await setup_integration(hass, make_config_entry(server))

    expected = {
        "sensor.deluge_torrents": "2",
        "sensor.deluge_seeding_torrents": "1",
        "sensor.deluge_paused_torrents": "1",
        "sensor.deluge_downloading_torrents": "0",
        "sensor.deluge_queued_torrents": "0",
        "sensor.deluge_checking_torrents": "0",
        "sensor.deluge_torrents_with_errors": "0",
        "sensor.deluge_download_speed": "0.0",
        "sensor.seeding_bin_state": "seeding",
        "sensor.seeding_bin_progress": "100.0",
        "sensor.seeding_bin_ratio": "0.0",
        "sensor.paused_bin_state": "paused",
    }
    assert {entity_id: state_of(hass, entity_id) for entity_id in expected} == expected
    size = hass.states.get("sensor.seeding_bin_size")
    assert size is not None
    assert float(size.state) == pytest.approx(48 * 1024 / 1024**3)
    assert size.attributes["unit_of_measurement"] == "GiB"
    free_space = float(state_of(hass, "sensor.deluge_free_space"))
    assert free_space > 0

    await deluge_call(hass, server, "core.resume_torrents", [paused.info_hash])
    await wait_for_web_state(hass, server, paused.info_hash, "Seeding")
    await poll(hass, freezer)

    assert state_of(hass, "sensor.deluge_seeding_torrents") == "2"
    assert state_of(hass, "sensor.deluge_paused_torrents") == "0"
    assert state_of(hass, "sensor.paused_bin_state") == "seeding"


async def test_disabled_by_default(
    hass: HomeAssistant, deluge_factory: DelugeFactory, entity_registry: er.EntityRegistry
) -> None:
    """What changes on every poll, and the diagnostics, start disabled."""
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "quiet.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    entry = make_config_entry(server)
    await setup_integration(hass, entry)

    disabled = [
        entity_id
        for entity_id in entity_ids_of(entity_registry, entry.entry_id, Platform.SENSOR)
        if (entity := entity_registry.async_get(entity_id)) is not None
        and entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    ]
    assert disabled == [
        "sensor.deluge_connections",
        "sensor.deluge_dht_nodes",
        "sensor.quiet_bin_download_speed",
        "sensor.quiet_bin_downloaded",
        "sensor.quiet_bin_peers",
        "sensor.quiet_bin_seeds",
        "sensor.quiet_bin_time_remaining",
        "sensor.quiet_bin_upload_speed",
        "sensor.quiet_bin_uploaded",
    ]


async def test_disabled_sensors_have_values_when_enabled(
    hass: HomeAssistant, deluge_factory: DelugeFactory
) -> None:
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "quiet.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")

    with patch.object(Entity, "entity_registry_enabled_default", new=True):
        await setup_integration(hass, make_config_entry(server))

    expected = {
        "sensor.deluge_connections": "0",
        "sensor.deluge_dht_nodes": "0",
        "sensor.quiet_bin_download_speed": "0.0",
        "sensor.quiet_bin_upload_speed": "0.0",
        "sensor.quiet_bin_peers": "0",
        "sensor.quiet_bin_seeds": "0",
        "sensor.quiet_bin_uploaded": "0.0",
        "sensor.quiet_bin_time_remaining": STATE_UNKNOWN,  # seeding: Deluge says 0, no estimate
    }
    assert {entity_id: state_of(hass, entity_id) for entity_id in expected} == expected
    downloaded = float(state_of(hass, "sensor.quiet_bin_downloaded"))
    assert downloaded == pytest.approx(64 * 1024 / 1024**3)


async def test_unchanged_poll_writes_no_state(
    hass: HomeAssistant, deluge_factory: DelugeFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A poll that finds the same values writes nothing; a changed value writes only its entity."""
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "steady.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    with (
        patch.object(Entity, "entity_registry_enabled_default", new=True),
        patch.object(DelugeWebClient, "get_free_space", return_value=FREE_SPACE),
    ):
        entry = make_config_entry(server)
        await setup_integration(hass, entry)
        written: list[str] = []

        @callback
        def record(event: Event[EventStateChangedData]) -> None:
            written.append(event.data["entity_id"])

        hass.bus.async_listen(EVENT_STATE_CHANGED, record)
        await poll(hass, freezer)
        await poll(hass, freezer)

        assert len(hass.states.async_entity_ids(Platform.SENSOR)) == 23
        assert written == []

        await deluge_call(hass, server, "core.pause_torrents", [torrent.info_hash])
        await wait_for_web_state(hass, server, torrent.info_hash, "Paused")
        await poll(hass, freezer)

    assert sorted(written) == [
        "sensor.deluge_paused_torrents",
        "sensor.deluge_seeding_torrents",
        "sensor.steady_bin_state",
    ]
    assert state_of(hass, "sensor.steady_bin_state") == "paused"


@pytest.mark.parametrize(
    ("state", "shown"),
    [("Seeding", "seeding"), ("Allocating", "allocating"), ("Something new", None), (None, None)],
)
def test_torrent_state_options(state: str | None, shown: str | None) -> None:
    """Each known Deluge state is an option of the enum sensor; anything else shows as unknown."""
    (description,) = [description for description in TORRENT_SENSORS if description.key == "state"]
    blank: dict[str, Any] = {field.name: None for field in fields(Torrent)}

    assert description.value_fn(Torrent(**blank | {"hash": "0" * 40, "state": state})) == shown
    assert description.options == [known.lower() for known in KNOWN_STATES]
