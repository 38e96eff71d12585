"""Scenarios 9 and 10: Home Assistant started while Deluge is down; two Deluges, one goes down."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.deluge_webapi.const import DOMAIN
from tests.conftest import DelugeFactory
from tests.integration_helpers import add_torrent, wait_for_web_state

from .conftest import Watch
from .helpers import SHORT_TIMEOUT, fire_poll, real_sleep, settle, wait_real, wait_seeding
from .proxy import Fault

# Longer than any of Home Assistant's set-up retry delays.
RETRY_WAIT = timedelta(minutes=3)


@pytest.mark.scenario(9)
async def test_home_assistant_started_while_deluge_is_down(
    hass: HomeAssistant, deluge_factory: DelugeFactory, watch: Watch, device_registry: dr.DeviceRegistry
) -> None:
    """The set-up retries (never gives up, never asks for a password) and succeeds once Deluge is up.

    Each retry sends one login attempt (sent twice at most: a dropped connection is sent again).
    """
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "retry.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    await hass.async_add_executor_job(server.stop)

    watched = await watch(server, measure=False)
    assert watched.entry_state() is ConfigEntryState.SETUP_RETRY
    assert watched.entry.reason is not None
    assert watched.entry.reason.startswith("Could not reach the Deluge Web UI")
    retries = [watched.proxy.methods()]
    retries += [await watched.poll(RETRY_WAIT), await watched.poll(RETRY_WAIT)]
    assert watched.entry_state() is ConfigEntryState.SETUP_RETRY
    assert [set(sent) for sent in retries] == [{"auth.login"}] * 3
    assert all(len(sent) <= 2 for sent in retries), retries
    assert watched.proxy.max_in_flight == 1
    assert dr.async_entries_for_config_entry(device_registry, watched.entry.entry_id) == []

    await hass.async_add_executor_job(server.start)
    await wait_seeding(hass, server, torrent.info_hash)
    await watched.poll(RETRY_WAIT)

    assert watched.entry_state() is ConfigEntryState.LOADED
    await watched.measure_one_poll()
    watched.assert_available()
    assert watched.state("torrents") == "1"
    assert watched.state("state", torrent.info_hash) == "seeding"
    devices = dr.async_entries_for_config_entry(device_registry, watched.entry.entry_id)
    assert sorted(identifier for device in devices for _, identifier in device.identifiers) == sorted(
        [watched.entry.entry_id, f"{watched.entry.entry_id}_{torrent.info_hash}"]
    )
    assert watched.reauth_flows() == []
    assert watched.issues() == set()
    assert watched.proxy.max_in_flight <= watched.one_poll


@pytest.mark.scenario(10)
async def test_one_of_two_servers_goes_down(
    hass: HomeAssistant, deluge_factory: DelugeFactory, watch: Watch
) -> None:
    """The other server's entities go on updating, even while the first one's poll hangs."""
    healthy_server, hanging_server = deluge_factory(), deluge_factory()
    first = await add_torrent(hass, healthy_server, "healthy-one.bin")
    other = await add_torrent(hass, hanging_server, "other-one.bin")
    await wait_for_web_state(hass, healthy_server, first.info_hash, "Seeding")
    await wait_for_web_state(hass, hanging_server, other.info_hash, "Seeding")
    healthy = await watch(healthy_server, entry_id="01JDELUGEFAULTSHEALTHY0000", title="Deluge A")
    down = await watch(hanging_server, entry_id="01JDELUGEFAULTSGOESDOWN000", title="Deluge B")
    down.entry.runtime_data.client.request_timeout = SHORT_TIMEOUT
    down_registry = down.registry()
    updates = 0

    @callback
    def count_update() -> None:
        nonlocal updates
        updates += 1

    healthy.entry.async_on_unload(healthy.coordinator.async_add_listener(count_update))

    # B's Web UI hangs: A's poll finishes (and shows A's new torrent) while B's requests are held.
    second = await add_torrent(hass, healthy_server, "healthy-two.bin")
    await wait_for_web_state(hass, healthy_server, second.info_hash, "Seeding")
    down.proxy.fault = Fault.HANG
    held_from = len(down.proxy.requests)
    updates_before = updates
    await fire_poll(hass, healthy.freezer, healthy.interval)
    await wait_real(lambda: updates > updates_before, "Deluge A's poll finished")
    await down.proxy.wait_in_flight(1)
    await real_sleep(0.2)
    assert down.proxy.in_flight >= 1  # B's poll still hangs
    healthy.assert_available()
    assert healthy.state("torrents") == "2"
    assert healthy.state("state", second.info_hash) == "seeding"

    healthy.freezer.tick(SHORT_TIMEOUT)
    async_fire_time_changed(hass)
    await settle(hass)
    await down.proxy.wait_idle()
    fault_polls = [down.proxy.methods(held_from)]
    down.assert_unavailable("cannot_connect")
    healthy.assert_available()

    # B goes down for good: processes stopped.
    down.proxy.fault = Fault.NONE
    await hass.async_add_executor_job(hanging_server.stop)
    fault_polls.append(await down.poll())
    down.assert_unavailable("cannot_connect")
    healthy.assert_available()
    assert healthy.state("torrents") == "2"
    down.assert_no_pile_up(fault_polls)
    healthy.assert_no_pile_up([])

    await hass.async_add_executor_job(hanging_server.start)
    await down.poll()
    down.assert_available()
    assert down.state("state", other.info_hash) == "seeding"
    assert down.registry() == down_registry
    assert down.reauth_flows() == healthy.reauth_flows() == []
    assert {entry.entry_id for entry in hass.config_entries.async_entries(DOMAIN)} == {
        healthy.entry.entry_id,
        down.entry.entry_id,
    }
