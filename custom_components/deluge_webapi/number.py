"""Numbers: Deluge's global download and upload speed limits, on the server device.

In KiB/s, Deluge's own unit (the unit can be changed per entity, as for any data rate); 0 means
unlimited, as it does in libtorrent (speed_limits.py has the mapping to Deluge's -1).
"""

from __future__ import annotations

from typing import Final

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfDataRate
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import DelugeWebApiConfigEntry
from .entity import DelugeServerEntity
from .helpers import deluge_exception_handler
from .speed_limits import (
    DOWNLOAD_LIMIT_KEY,
    MAX_SPEED_LIMIT_KIB,
    UPLOAD_LIMIT_KEY,
    async_write_speed_limits,
    deluge_limit,
    shown_limit,
)

PARALLEL_UPDATES = 1


def _limit(key: str, translation_key: str) -> NumberEntityDescription:
    return NumberEntityDescription(
        key=key,
        translation_key=translation_key,
        device_class=NumberDeviceClass.DATA_RATE,
        native_unit_of_measurement=UnitOfDataRate.KIBIBYTES_PER_SECOND,
        native_min_value=0,
        native_max_value=MAX_SPEED_LIMIT_KIB,
        native_step=1,
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
    )


# Keyed by Deluge's config key: that is what the entity reads and writes.
SPEED_LIMITS: Final = (
    _limit(DOWNLOAD_LIMIT_KEY, "download_speed_limit"),
    _limit(UPLOAD_LIMIT_KEY, "upload_speed_limit"),
)


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: DelugeWebApiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the speed limits of the Deluge server."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(DelugeSpeedLimitNumber(coordinator, description) for description in SPEED_LIMITS)


class DelugeSpeedLimitNumber(DelugeServerEntity, NumberEntity):
    """One of Deluge's global speed limits; 0 is unlimited."""

    entity_description: NumberEntityDescription

    @property
    def native_value(self) -> float:
        """Return Deluge's limit, 0 when unlimited."""
        return shown_limit(self.coordinator.data.speed_limits.value(self.entity_description.key))

    def _shown(self) -> tuple[object, ...]:
        return (self.available, self.native_value)

    @deluge_exception_handler
    async def async_set_native_value(self, value: float) -> None:
        """Set Deluge's limit (0: unlimited, which Deluge stores as -1)."""
        await async_write_speed_limits(self.coordinator, {self.entity_description.key: deluge_limit(value)})
