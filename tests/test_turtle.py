"""Turtle mode against a real Deluge: the preset in, exactly the limits from before back out.

What turtle mode replaced is stored, so it survives an unload and a fresh set-up (a restart of
Home Assistant); a limit changed in Deluge while it is on turns the switch off and is kept.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import AsyncMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.deluge_webapi.client import DelugeConnectionError, DelugeTimeoutError
from custom_components.deluge_webapi.const import CONF_TURTLE_DOWNLOAD_KIB, CONF_TURTLE_UPLOAD_KIB, DOMAIN
from custom_components.deluge_webapi.speed_limits import MAX_SPEED_LIMIT_KIB
from custom_components.deluge_webapi.turtle import STORAGE_VERSION, storage_key
from tests.conftest import ENTRY_ID, DelugeFactory, make_config_entry, setup_integration
from tests.deluge_harness import DelugeServer
from tests.integration_helpers import deluge_call, poll, state_of

TURTLE = "switch.deluge_turtle_mode"
KEYS = ["max_download_speed", "max_upload_speed"]
STORE_KEY = storage_key(ENTRY_ID)
# What the user had before turtle mode: a fractional limit and an unlimited one.
BEFORE = {"max_download_speed": 300.5, "max_upload_speed": -1.0}


@pytest.fixture(autouse=True)
def switch_platform_only() -> Generator[None]:
    with patch("custom_components.deluge_webapi.PLATFORMS", [Platform.SWITCH]):
        yield


async def switch(hass: HomeAssistant, *, on: bool) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON if on else SERVICE_TURN_OFF, {ATTR_ENTITY_ID: TURTLE}, blocking=True
    )


async def deluge_limits(hass: HomeAssistant, server: DelugeServer) -> dict[str, Any]:
    result: dict[str, Any] = await deluge_call(hass, server, "core.get_config_values", KEYS)
    return result


async def set_deluge_limits(hass: HomeAssistant, server: DelugeServer, limits: dict[str, float]) -> None:
    await deluge_call(hass, server, "core.set_config", limits)


@pytest.fixture
async def server(hass: HomeAssistant, deluge_factory: DelugeFactory) -> DelugeServer:
    """A Deluge of this test's own, with the limits of ``BEFORE``."""
    deluge = deluge_factory()
    await set_deluge_limits(hass, deluge, BEFORE)
    return deluge


async def test_on_sets_the_preset_and_off_restores_exactly(hass: HomeAssistant, server: DelugeServer) -> None:
    await setup_integration(hass, make_config_entry(server))
    assert state_of(hass, TURTLE) == STATE_OFF

    await switch(hass, on=True)

    # The default preset: 100 KiB/s down, 50 KiB/s up.
    assert await deluge_limits(hass, server) == {"max_download_speed": 100.0, "max_upload_speed": 50.0}
    assert state_of(hass, TURTLE) == STATE_ON

    await switch(hass, on=False)

    assert await deluge_limits(hass, server) == BEFORE
    assert state_of(hass, TURTLE) == STATE_OFF


async def test_preset_from_the_options(hass: HomeAssistant, server: DelugeServer) -> None:
    """0 in the options is unlimited: Deluge's -1."""
    options: dict[str, object] = {CONF_TURTLE_DOWNLOAD_KIB: 80, CONF_TURTLE_UPLOAD_KIB: 0}
    await set_deluge_limits(hass, server, {"max_upload_speed": 42.0})
    await setup_integration(hass, make_config_entry(server, options=options))

    await switch(hass, on=True)

    assert await deluge_limits(hass, server) == {"max_download_speed": 80.0, "max_upload_speed": -1.0}
    assert state_of(hass, TURTLE) == STATE_ON

    await switch(hass, on=False)

    assert await deluge_limits(hass, server) == {"max_download_speed": 300.5, "max_upload_speed": 42.0}


async def test_turning_on_twice_keeps_what_was_before(hass: HomeAssistant, server: DelugeServer) -> None:
    await setup_integration(hass, make_config_entry(server))

    await switch(hass, on=True)
    await switch(hass, on=True)
    await switch(hass, on=False)

    assert await deluge_limits(hass, server) == BEFORE
    await switch(hass, on=False)  # off already: Deluge is left alone
    assert await deluge_limits(hass, server) == BEFORE


async def test_what_was_before_survives_a_reload(
    hass: HomeAssistant, server: DelugeServer, hass_storage: dict[str, Any]
) -> None:
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    await switch(hass, on=True)
    assert hass_storage[STORE_KEY]["data"] == {
        "previous": BEFORE,
        "preset": {"max_download_speed": 100.0, "max_upload_speed": 50.0},
    }

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert state_of(hass, TURTLE) == STATE_ON
    await switch(hass, on=False)
    assert await deluge_limits(hass, server) == BEFORE
    assert STORE_KEY not in hass_storage


async def test_what_was_before_is_read_from_storage_at_start(
    hass: HomeAssistant, server: DelugeServer, hass_storage: dict[str, Any]
) -> None:
    """A Home Assistant that starts with turtle mode on, from what an earlier run stored."""
    preset = {"max_download_speed": 100.0, "max_upload_speed": 50.0}
    await set_deluge_limits(hass, server, preset)
    hass_storage[STORE_KEY] = {
        "version": STORAGE_VERSION,
        "minor_version": 1,
        "key": STORE_KEY,
        "data": {"previous": {"max_download_speed": 7.25, "max_upload_speed": 0.0}, "preset": preset},
    }
    await setup_integration(hass, make_config_entry(server))
    assert state_of(hass, TURTLE) == STATE_ON

    await switch(hass, on=False)

    assert await deluge_limits(hass, server) == {"max_download_speed": 7.25, "max_upload_speed": 0.0}


async def test_malformed_storage_is_off(
    hass: HomeAssistant, server: DelugeServer, hass_storage: dict[str, Any]
) -> None:
    hass_storage[STORE_KEY] = {
        "version": STORAGE_VERSION,
        "minor_version": 1,
        "key": STORE_KEY,
        "data": {"previous": {"max_download_speed": "fast"}, "preset": []},
    }
    await setup_integration(hass, make_config_entry(server))

    assert state_of(hass, TURTLE) == STATE_OFF
    await switch(hass, on=False)
    assert await deluge_limits(hass, server) == BEFORE


async def test_limit_changed_in_deluge_reports_off_and_is_kept(
    hass: HomeAssistant, server: DelugeServer, freezer: FrozenDateTimeFactory
) -> None:
    await setup_integration(hass, make_config_entry(server))
    await switch(hass, on=True)

    await set_deluge_limits(hass, server, {"max_download_speed": 500.0})
    await poll(hass, freezer)

    assert state_of(hass, TURTLE) == STATE_OFF  # the preset is no longer what Deluge has

    await switch(hass, on=False)

    # The user's new download limit stays; the upload limit, still turtle mode's, goes back.
    assert await deluge_limits(hass, server) == {"max_download_speed": 500.0, "max_upload_speed": -1.0}
    assert state_of(hass, TURTLE) == STATE_OFF


async def test_on_again_after_a_change_takes_the_change_as_before(
    hass: HomeAssistant, server: DelugeServer, freezer: FrozenDateTimeFactory
) -> None:
    await setup_integration(hass, make_config_entry(server))
    await switch(hass, on=True)
    await set_deluge_limits(hass, server, {"max_download_speed": 500.0})
    await poll(hass, freezer)
    assert state_of(hass, TURTLE) == STATE_OFF

    await switch(hass, on=True)

    assert await deluge_limits(hass, server) == {"max_download_speed": 100.0, "max_upload_speed": 50.0}
    assert state_of(hass, TURTLE) == STATE_ON
    await switch(hass, on=False)
    assert await deluge_limits(hass, server) == {"max_download_speed": 500.0, "max_upload_speed": -1.0}


async def test_a_new_preset_applies_at_the_reload(hass: HomeAssistant, server: DelugeServer) -> None:
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    await switch(hass, on=True)

    hass.config_entries.async_update_entry(
        entry, options={CONF_TURTLE_DOWNLOAD_KIB: 64, CONF_TURTLE_UPLOAD_KIB: 32}
    )
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert await deluge_limits(hass, server) == {"max_download_speed": 64.0, "max_upload_speed": 32.0}
    assert state_of(hass, TURTLE) == STATE_ON
    await switch(hass, on=False)
    assert await deluge_limits(hass, server) == BEFORE


async def test_failed_write_changes_nothing(hass: HomeAssistant, server: DelugeServer) -> None:
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    refused = DelugeConnectionError("Deluge went away")

    with (
        patch.object(entry.runtime_data.client, "set_config", AsyncMock(side_effect=refused)),
        pytest.raises(HomeAssistantError) as raised,
    ):
        await switch(hass, on=True)

    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "cannot_connect"
    assert state_of(hass, TURTLE) == STATE_OFF
    assert await deluge_limits(hass, server) == BEFORE
    # Off leaves Deluge alone; on and off again work as ever.
    await switch(hass, on=False)
    assert await deluge_limits(hass, server) == BEFORE
    await switch(hass, on=True)
    await switch(hass, on=False)
    assert await deluge_limits(hass, server) == BEFORE


async def test_write_that_timed_out_after_deluge_applied_it(
    hass: HomeAssistant, server: DelugeServer, freezer: FrozenDateTimeFactory
) -> None:
    """The answer was lost, not the change: what turtle mode replaced is still remembered."""
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    client = entry.runtime_data.client
    set_config = client.set_config

    async def applied_then_timed_out(values: Any) -> None:
        await set_config(values)
        raise DelugeTimeoutError("no answer in time")

    with (
        patch.object(client, "set_config", applied_then_timed_out),
        pytest.raises(HomeAssistantError),
    ):
        await switch(hass, on=True)
    await poll(hass, freezer)

    assert state_of(hass, TURTLE) == STATE_ON
    await switch(hass, on=False)
    assert await deluge_limits(hass, server) == BEFORE


async def test_removing_the_entry_forgets_what_was_before(
    hass: HomeAssistant, server: DelugeServer, hass_storage: dict[str, Any]
) -> None:
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    await switch(hass, on=True)
    assert STORE_KEY in hass_storage

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    assert STORE_KEY not in hass_storage


# Options


async def test_options_set_the_preset(hass: HomeAssistant, server: DelugeServer) -> None:
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["data_schema"] is not None
    defaults = result["data_schema"]({})
    assert defaults[CONF_TURTLE_DOWNLOAD_KIB] == 100
    assert defaults[CONF_TURTLE_UPLOAD_KIB] == 50

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**defaults, CONF_TURTLE_DOWNLOAD_KIB: 250.0, CONF_TURTLE_UPLOAD_KIB: 0}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_TURTLE_DOWNLOAD_KIB] == 250
    assert isinstance(entry.options[CONF_TURTLE_DOWNLOAD_KIB], int)
    assert entry.options[CONF_TURTLE_UPLOAD_KIB] == 0
    assert entry.state is ConfigEntryState.LOADED  # reloaded with the new preset
    await switch(hass, on=True)
    assert await deluge_limits(hass, server) == {"max_download_speed": 250.0, "max_upload_speed": -1.0}


@pytest.mark.parametrize(
    "turtle",
    [
        {CONF_TURTLE_DOWNLOAD_KIB: -1, CONF_TURTLE_UPLOAD_KIB: 50},
        {CONF_TURTLE_DOWNLOAD_KIB: 100, CONF_TURTLE_UPLOAD_KIB: MAX_SPEED_LIMIT_KIB + 1},
    ],
)
async def test_options_out_of_range(hass: HomeAssistant, turtle: dict[str, int]) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={}, unique_id="http://nas.local:8112")
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["data_schema"] is not None
    defaults = result["data_schema"]({})

    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(result["flow_id"], {**defaults, **turtle})

    assert entry.options == {}
