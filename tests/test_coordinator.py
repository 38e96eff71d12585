"""The coordinator against a real Deluge: what one poll asks, the interval, failures and recovery."""

from __future__ import annotations

from datetime import timedelta
import logging
import time
from typing import Any
from unittest.mock import AsyncMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_SCAN_INTERVAL, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest

from custom_components.deluge_webapi.client import DelugeWebClient
from custom_components.deluge_webapi.const import DEFAULT_SCAN_INTERVAL
from custom_components.deluge_webapi.coordinator import POLL_FIELDS
from tests.conftest import DelugeFactory, make_config_entry, setup_integration
from tests.deluge_harness import DelugeServer
from tests.integration_helpers import (
    WAIT_STEP,
    WAIT_STEPS,
    add_torrent,
    device_of,
    poll,
    state_of,
    wait_for_web_state,
)


async def test_what_one_poll_asks(
    hass: HomeAssistant, deluge_factory: DelugeFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Each poll: torrents (explicit fields), session figures, free space, paused, limits, labels."""
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "one.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    await setup_integration(hass, make_config_entry(server))
    calls: list[tuple[str, tuple[Any, ...]]] = []
    original = DelugeWebClient._call

    async def recording(client: DelugeWebClient, method: str, *params: Any, **options: Any) -> Any:
        calls.append((method, params))
        return await original(client, method, *params, **options)

    with patch.object(DelugeWebClient, "_call", recording):
        await poll(hass, freezer)

    methods = sorted(method for method, _ in calls)
    assert methods == [
        "core.get_config_values",
        "core.get_free_space",
        "core.get_session_status",
        "core.is_session_paused",
        "label.get_labels",
        "webapi.get_torrents",
    ]
    (torrent_params,) = [params for method, params in calls if method == "webapi.get_torrents"]
    assert torrent_params == (None, list(POLL_FIELDS))
    (config_params,) = [params for method, params in calls if method == "core.get_config_values"]
    assert config_params == (["max_download_speed", "max_upload_speed"],)


@pytest.mark.parametrize(
    ("options", "interval"), [({}, DEFAULT_SCAN_INTERVAL), ({CONF_SCAN_INTERVAL: 45}, timedelta(seconds=45))]
)
async def test_update_interval_from_options(
    hass: HomeAssistant, deluge: DelugeServer, options: dict[str, Any], interval: timedelta
) -> None:
    entry = make_config_entry(deluge, options=options)

    await setup_integration(hass, entry)

    assert entry.runtime_data.coordinator.update_interval == interval


async def test_daemon_lost_and_back(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without a daemon the entities are unavailable; once it is back the Web UI is reattached."""
    server = deluge_factory(password="s3cret-pässwörd")
    torrent = await add_torrent(hass, server, "kept.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    coordinator = entry.runtime_data.coordinator
    assert state_of(hass, "sensor.deluge_torrents") == "1"

    await hass.async_add_executor_job(server.stop_daemon)
    with caplog.at_level(logging.INFO):
        await poll(hass, freezer)
        assert state_of(hass, "sensor.deluge_torrents") == STATE_UNAVAILABLE
        assert isinstance(coordinator.last_exception, UpdateFailed)
        assert coordinator.last_exception.translation_key == "daemon_not_connected"
        await poll(hass, freezer)  # still down: logged once only

        await hass.async_add_executor_job(server.start_daemon)
        await poll(hass, freezer)
        for _ in range(WAIT_STEPS):  # reattached; the Web UI may need a moment to list the torrent
            if coordinator.last_update_success:
                break
            assert isinstance(coordinator.last_exception, UpdateFailed)
            assert coordinator.last_exception.translation_key == "torrents_loading"
            await hass.async_add_executor_job(time.sleep, WAIT_STEP)
            await poll(hass, freezer)
        assert coordinator.last_update_success
        assert state_of(hass, "sensor.deluge_torrents") == "1"

    assert entry.state is ConfigEntryState.LOADED
    failures = [record for record in caplog.records if "Error fetching" in record.getMessage()]
    recoveries = [record for record in caplog.records if "recovered" in record.getMessage()]
    assert len(failures) == 1
    assert len(recoveries) == 1
    assert server.password not in caplog.text


async def test_web_ui_unreachable_makes_entities_unavailable(
    hass: HomeAssistant, deluge_factory: DelugeFactory, freezer: FrozenDateTimeFactory
) -> None:
    server = deluge_factory()
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    coordinator = entry.runtime_data.coordinator

    await hass.async_add_executor_job(server.stop_web)
    await poll(hass, freezer)

    assert state_of(hass, "switch.deluge_downloads") == STATE_UNAVAILABLE
    assert isinstance(coordinator.last_exception, UpdateFailed)
    assert coordinator.last_exception.translation_key == "cannot_connect"

    await hass.async_add_executor_job(server.start_web)
    await poll(hass, freezer)

    assert state_of(hass, "switch.deluge_downloads") == "on"


async def test_empty_list_while_the_daemon_has_torrents_keeps_the_devices(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Just after the Web UI reattaches to its daemon it lists no torrents: not a mass removal."""
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "kept.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    coordinator = entry.runtime_data.coordinator
    device_id = f"{entry.entry_id}_{torrent.info_hash}"
    assert device_of(device_registry, entry.entry_id, device_id) is not None

    with patch.object(coordinator.client, "get_torrents", AsyncMock(return_value={})):
        await poll(hass, freezer)

    assert not coordinator.last_update_success
    assert isinstance(coordinator.last_exception, UpdateFailed)
    assert coordinator.last_exception.translation_key == "torrents_loading"
    assert device_of(device_registry, entry.entry_id, device_id) is not None

    await poll(hass, freezer)

    assert coordinator.last_update_success
    assert state_of(hass, "sensor.deluge_torrents") == "1"
