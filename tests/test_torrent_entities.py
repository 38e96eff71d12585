"""Torrent devices against a real Deluge: they come and go with the torrents, within one poll."""

from __future__ import annotations

import time

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.deluge_webapi.const import CONF_MAX_TORRENT_ENTITIES, CONF_TORRENT_ENTITIES
from tests.conftest import DelugeFactory, make_config_entry, setup_integration
from tests.deluge_harness import DelugeServer, TorrentFile
from tests.integration_helpers import (
    add_torrent,
    deluge_call,
    device_of,
    poll,
    remove_torrent,
    state_of,
    wait_for_web_state,
    wait_until,
    web_torrents,
)


def torrent_device(
    device_registry: dr.DeviceRegistry, entry: MockConfigEntry, torrent: TorrentFile
) -> dr.DeviceEntry | None:
    return device_of(device_registry, entry.entry_id, f"{entry.entry_id}_{torrent.info_hash}")


def devices_with_torrents(device_registry: dr.DeviceRegistry, entry: MockConfigEntry) -> list[str]:
    """The names of the entry's torrent devices, sorted."""
    return sorted(
        device.name or ""
        for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id)
        if device.model == "Torrent"
    )


def entities_of(
    entity_registry: er.EntityRegistry, entry: MockConfigEntry, torrent: TorrentFile
) -> list[str]:
    return sorted(
        entity.entity_id
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if torrent.info_hash in entity.unique_id
    )


async def wait_until_listed(
    hass: HomeAssistant, server: DelugeServer, torrent: TorrentFile, *, listed: bool
) -> None:
    """Wait until the WebAPI, which the next poll asks, lists the torrent (or no longer does)."""

    async def check() -> bool:
        return (torrent.info_hash in await web_torrents(hass, server)) is listed

    await wait_until(hass, check, f"{torrent.name} {'is' if listed else 'is not'} listed")


async def test_torrent_appears_and_disappears_within_one_poll(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    server = deluge_factory()
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    assert devices_with_torrents(device_registry, entry) == []

    torrent = await add_torrent(hass, server, "arriving.bin")
    await wait_until_listed(hass, server, torrent, listed=True)
    await poll(hass, freezer)

    device = torrent_device(device_registry, entry, torrent)
    assert device is not None
    assert device.name == "arriving.bin"
    server_device = device_of(device_registry, entry.entry_id, entry.entry_id)
    assert server_device is not None
    assert device.via_device_id == server_device.id
    entity_ids = entities_of(entity_registry, entry, torrent)
    assert "sensor.arriving_bin_state" in entity_ids
    assert "switch.arriving_bin" in entity_ids
    assert state_of(hass, "sensor.arriving_bin_size") != "unavailable"
    assert state_of(hass, "sensor.deluge_torrents") == "1"

    await remove_torrent(hass, server, torrent.info_hash)
    await wait_until_listed(hass, server, torrent, listed=False)
    await poll(hass, freezer)

    assert torrent_device(device_registry, entry, torrent) is None
    assert entities_of(entity_registry, entry, torrent) == []
    assert [entity_id for entity_id in entity_ids if hass.states.get(entity_id) is not None] == []
    assert state_of(hass, "sensor.deluge_torrents") == "0"


async def test_device_follows_the_torrent_name_unless_renamed_by_the_user(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A magnet's name changes when its metadata arrives; Deluge can also rename a torrent."""
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "first-name.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    entry = make_config_entry(server)
    await setup_integration(hass, entry)

    async def rename_in_deluge(name: str) -> None:
        await deluge_call(hass, server, "core.set_torrent_options", [torrent.info_hash], {"name": name})

        async def check() -> bool:
            return bool((await web_torrents(hass, server))[torrent.info_hash]["name"] == name)

        await wait_until(hass, check, f"the torrent is called {name}")
        await poll(hass, freezer)

    await rename_in_deluge("Second name")

    device = torrent_device(device_registry, entry, torrent)
    assert device is not None
    assert device.name == "Second name"
    switch = hass.states.get("switch.first_name_bin")
    assert switch is not None
    assert switch.attributes["friendly_name"] == "Second name"

    device_registry.async_update_device(device.id, name_by_user="Mine")
    await rename_in_deluge("Third name")

    device = torrent_device(device_registry, entry, torrent)
    assert device is not None
    assert (device.name, device.name_by_user) == ("Second name", "Mine")


async def test_cap_keeps_the_most_recently_added(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    server = deluge_factory()
    for name in ("oldest.bin", "middle.bin", "newest.bin"):
        torrent = await add_torrent(hass, server, name)
        await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
        await hass.async_add_executor_job(time.sleep, 1.1)  # Deluge's time_added is in whole seconds
    entry = make_config_entry(server, options={CONF_MAX_TORRENT_ENTITIES: 2})
    await setup_integration(hass, entry)

    assert devices_with_torrents(device_registry, entry) == ["middle.bin", "newest.bin"]
    assert state_of(hass, "sensor.deluge_torrents") == "3"
    assert state_of(hass, "sensor.deluge_seeding_torrents") == "3"

    latest = await add_torrent(hass, server, "latest.bin")
    await wait_until_listed(hass, server, latest, listed=True)
    await poll(hass, freezer)

    assert devices_with_torrents(device_registry, entry) == ["latest.bin", "newest.bin"]
    assert state_of(hass, "sensor.deluge_torrents") == "4"
    assert hass.states.get("switch.middle_bin") is None


async def test_active_torrents_only(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Paused torrents get no device; pausing the whole session does not take the devices away."""
    server = deluge_factory()
    busy = await add_torrent(hass, server, "busy.bin")
    idle = await add_torrent(hass, server, "idle.bin")
    await wait_for_web_state(hass, server, busy.info_hash, "Seeding")
    await wait_for_web_state(hass, server, idle.info_hash, "Seeding")
    await deluge_call(hass, server, "core.pause_torrents", [idle.info_hash])
    await wait_for_web_state(hass, server, idle.info_hash, "Paused")
    entry = make_config_entry(server, options={CONF_TORRENT_ENTITIES: "active"})
    await setup_integration(hass, entry)

    assert devices_with_torrents(device_registry, entry) == ["busy.bin"]
    assert state_of(hass, "sensor.deluge_paused_torrents") == "1"

    await deluge_call(hass, server, "core.pause_session")
    await wait_for_web_state(hass, server, busy.info_hash, "Paused")
    await poll(hass, freezer)
    assert devices_with_torrents(device_registry, entry) == ["busy.bin"]
    assert state_of(hass, "switch.busy_bin") == STATE_ON

    await deluge_call(hass, server, "core.resume_session")
    await deluge_call(hass, server, "core.resume_torrents", [idle.info_hash])
    await deluge_call(hass, server, "core.pause_torrents", [busy.info_hash])
    await wait_for_web_state(hass, server, idle.info_hash, "Seeding")
    await wait_for_web_state(hass, server, busy.info_hash, "Paused")
    await poll(hass, freezer)

    assert devices_with_torrents(device_registry, entry) == ["idle.bin"]


async def test_no_torrent_devices(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "counted.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    entry = make_config_entry(server, options={CONF_TORRENT_ENTITIES: "none"})
    await setup_integration(hass, entry)

    assert devices_with_torrents(device_registry, entry) == []
    assert entities_of(entity_registry, entry, torrent) == []
    assert state_of(hass, "sensor.deluge_torrents") == "1"


async def test_torrent_devices_stay_while_deluge_is_unreachable(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "patient.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    entry = make_config_entry(server)
    await setup_integration(hass, entry)

    await hass.async_add_executor_job(server.stop_web)
    await poll(hass, freezer)

    assert torrent_device(device_registry, entry, torrent) is not None
    assert state_of(hass, "switch.patient_bin") == "unavailable"

    await hass.async_add_executor_job(server.start_web)
    await poll(hass, freezer)

    assert state_of(hass, "switch.patient_bin") == STATE_ON
