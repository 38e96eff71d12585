"""Deluge's global speed limits as number entities, against a real Deluge."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
    UNIT_CONVERTERS,
    NumberDeviceClass,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_UNIT_OF_MEASUREMENT, Platform, UnitOfDataRate
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from syrupy.assertion import SnapshotAssertion

from custom_components.deluge_webapi.const import DOMAIN
from custom_components.deluge_webapi.speed_limits import MAX_SPEED_LIMIT_KIB
from tests.conftest import DelugeFactory, make_config_entry, setup_integration
from tests.deluge_harness import DelugeServer
from tests.integration_helpers import deluge_call, poll, snapshot_entities, state_of

DOWNLOAD = "number.deluge_download_speed_limit"
UPLOAD = "number.deluge_upload_speed_limit"
KEYS = ["max_download_speed", "max_upload_speed"]


@pytest.fixture(autouse=True)
def number_platform_only() -> Generator[None]:
    with patch("custom_components.deluge_webapi.PLATFORMS", [Platform.NUMBER]):
        yield


async def set_value(hass: HomeAssistant, entity_id: str, value: float) -> None:
    await hass.services.async_call(
        NUMBER_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: value}, blocking=True
    )


async def deluge_limits(hass: HomeAssistant, server: DelugeServer) -> dict[str, Any]:
    """Deluge's limits, read through the test back door."""
    result: dict[str, Any] = await deluge_call(hass, server, "core.get_config_values", KEYS)
    return result


async def test_numbers_snapshot(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    server = deluge_factory()
    await deluge_call(hass, server, "core.set_config", {"max_upload_speed": 250.5})
    entry = make_config_entry(server)

    await setup_integration(hass, entry)

    snapshot_entities(hass, entity_registry, snapshot, entry.entry_id, Platform.NUMBER)
    assert state_of(hass, DOWNLOAD) == "0"  # Deluge's -1: unlimited
    assert state_of(hass, UPLOAD) == "250.5"


async def test_limits_set_in_home_assistant_are_deluges(
    hass: HomeAssistant, deluge_factory: DelugeFactory
) -> None:
    server = deluge_factory()
    await setup_integration(hass, make_config_entry(server))
    assert await deluge_limits(hass, server) == {"max_download_speed": -1.0, "max_upload_speed": -1.0}

    await set_value(hass, DOWNLOAD, 250)

    assert await deluge_limits(hass, server) == {"max_download_speed": 250.0, "max_upload_speed": -1.0}
    assert state_of(hass, DOWNLOAD) == "250"

    await set_value(hass, UPLOAD, 12.5)
    await set_value(hass, DOWNLOAD, 0)  # unlimited: Deluge's own -1

    assert await deluge_limits(hass, server) == {"max_download_speed": -1.0, "max_upload_speed": 12.5}
    # Shown at once, though the refresh after the second action waits out the cooldown.
    assert state_of(hass, DOWNLOAD) == "0"
    assert state_of(hass, UPLOAD) == "12.5"


async def test_limits_changed_in_deluge_show_after_a_poll(
    hass: HomeAssistant, deluge_factory: DelugeFactory, freezer: FrozenDateTimeFactory
) -> None:
    server = deluge_factory()
    await setup_integration(hass, make_config_entry(server))
    assert state_of(hass, UPLOAD) == "0"

    await deluge_call(
        hass, server, "core.set_config", {"max_download_speed": 1024.0, "max_upload_speed": 75.5}
    )
    await poll(hass, freezer)

    assert state_of(hass, DOWNLOAD) == "1024"
    assert state_of(hass, UPLOAD) == "75.5"

    # 0 is as unlimited as -1 for libtorrent, so both show as 0.
    await deluge_call(hass, server, "core.set_config", {"max_download_speed": 0, "max_upload_speed": -1})
    await poll(hass, freezer)

    assert state_of(hass, DOWNLOAD) == "0"
    assert state_of(hass, UPLOAD) == "0"


@pytest.mark.skipif(
    NumberDeviceClass.DATA_RATE not in UNIT_CONVERTERS,
    reason="this Home Assistant converts no data rate units for numbers",
)
async def test_another_unit_is_converted_for_deluge(
    hass: HomeAssistant, deluge_factory: DelugeFactory, entity_registry: er.EntityRegistry
) -> None:
    """A user may show a limit in MiB/s: Deluge still gets KiB/s."""
    server = deluge_factory()
    await setup_integration(hass, make_config_entry(server))
    entity_registry.async_update_entity_options(
        DOWNLOAD, NUMBER_DOMAIN, {"unit_of_measurement": UnitOfDataRate.MEBIBYTES_PER_SECOND}
    )
    await hass.async_block_till_done()

    await set_value(hass, DOWNLOAD, 2)

    assert (await deluge_limits(hass, server))["max_download_speed"] == 2048.0
    state = hass.states.get(DOWNLOAD)
    assert state is not None
    assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == UnitOfDataRate.MEBIBYTES_PER_SECOND
    assert float(state.state) == 2


@pytest.mark.parametrize("value", [-1, MAX_SPEED_LIMIT_KIB + 1])
async def test_out_of_range_changes_nothing(
    hass: HomeAssistant, deluge_factory: DelugeFactory, value: int
) -> None:
    server = deluge_factory()
    await setup_integration(hass, make_config_entry(server))

    with pytest.raises(ServiceValidationError):
        await set_value(hass, DOWNLOAD, value)

    assert await deluge_limits(hass, server) == {"max_download_speed": -1.0, "max_upload_speed": -1.0}


async def test_write_while_deluge_is_unreachable(hass: HomeAssistant, deluge_factory: DelugeFactory) -> None:
    server = deluge_factory()
    await setup_integration(hass, make_config_entry(server))
    await hass.async_add_executor_job(server.stop_web)

    with pytest.raises(HomeAssistantError) as raised:
        await set_value(hass, DOWNLOAD, 100)

    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "cannot_connect"
    assert state_of(hass, DOWNLOAD) == "0"
