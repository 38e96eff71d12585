"""Deluge's global speed limits: as Deluge stores them, and as Home Assistant shows them.

Deluge keeps ``max_download_speed`` and ``max_upload_speed`` in its core config, in KiB/s, as
floats; -1 means unlimited. It hands them to libtorrent in bytes/s, where 0 means unlimited
too (libtorrent stores Deluge's -1 as 0: measured with Deluge 2.2.0 and libtorrent 2.0.11), so
every value of 0 or below is "no limit". Home Assistant shows all of them as 0, the left end of
a slider and a value an automation can set, and writes 0 back as Deluge's own -1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
import math
from typing import TYPE_CHECKING, Any, Final

from .client import DelugeResponseError, DelugeWebClient

if TYPE_CHECKING:
    from .coordinator import DelugeWebApiCoordinator

DOWNLOAD_LIMIT_KEY: Final = "max_download_speed"
UPLOAD_LIMIT_KEY: Final = "max_upload_speed"
SPEED_LIMIT_KEYS: Final = (DOWNLOAD_LIMIT_KEY, UPLOAD_LIMIT_KEY)
UNLIMITED: Final = -1.0
# The highest limit offered, in KiB/s: 10 GiB/s, beyond any link Deluge runs on.
MAX_SPEED_LIMIT_KIB: Final = 10 * 1024 * 1024
# Deluge returns what it was sent; this only absorbs float noise.
_TOLERANCE: Final = 1e-6


@dataclass(frozen=True, kw_only=True, slots=True)
class SpeedLimits:
    """Deluge's global limits in KiB/s, exactly as Deluge stores them (0 or below: unlimited)."""

    download: float
    upload: float

    @classmethod
    def from_config(cls, values: Mapping[str, Any]) -> SpeedLimits:
        """Read the limits from a ``core.get_config_values`` answer."""
        return cls(download=_number(values, DOWNLOAD_LIMIT_KEY), upload=_number(values, UPLOAD_LIMIT_KEY))

    def as_config(self) -> dict[str, float]:
        """Return the limits as ``core.set_config`` takes them."""
        return {DOWNLOAD_LIMIT_KEY: self.download, UPLOAD_LIMIT_KEY: self.upload}

    def value(self, key: str) -> float:
        """Return the limit of a config key (``max_download_speed`` or ``max_upload_speed``)."""
        return self.download if key == DOWNLOAD_LIMIT_KEY else self.upload

    def with_config(self, values: Mapping[str, float]) -> SpeedLimits:
        """Return these limits with the keys of ``values`` changed."""
        return replace(
            self,
            download=values.get(DOWNLOAD_LIMIT_KEY, self.download),
            upload=values.get(UPLOAD_LIMIT_KEY, self.upload),
        )

    def matches(self, other: SpeedLimits) -> bool:
        """Return whether both limits have the same effect (every unlimited value is alike)."""
        return same_limit(self.download, other.download) and same_limit(self.upload, other.upload)


def _number(values: Mapping[str, Any], key: str) -> float:
    value = values.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise DelugeResponseError(f"core.get_config_values did not answer with a number for {key}")
    return float(value)


def same_limit(first: float, second: float) -> bool:
    """Return whether two limits have the same effect."""
    if first <= 0 or second <= 0:
        return first <= 0 and second <= 0
    return math.isclose(first, second, rel_tol=0, abs_tol=_TOLERANCE)


def shown_limit(value: float) -> float:
    """Return a Deluge limit as Home Assistant shows it: 0 for unlimited, whole numbers as int."""
    if value <= 0:
        return 0
    return int(value) if value.is_integer() else value


def deluge_limit(value: float) -> float:
    """Return a limit from Home Assistant (0: unlimited) as Deluge stores it."""
    return UNLIMITED if value <= 0 else float(value)


async def async_fetch_speed_limits(client: DelugeWebClient) -> SpeedLimits:
    """Ask Deluge for its global limits, in one call."""
    return SpeedLimits.from_config(await client.get_config_values(SPEED_LIMIT_KEYS))


async def async_write_speed_limits(coordinator: DelugeWebApiCoordinator, values: Mapping[str, float]) -> None:
    """Change Deluge's limits, and show the change at once.

    Deluge applies ``core.set_config`` before it answers, so the limits written are Deluge's
    limits now: the entities show them without waiting for a poll (a refresh that follows an
    action may wait out the coordinator's cooldown).
    """
    await coordinator.client.set_config(values)
    if coordinator.last_update_success:
        data = coordinator.data
        coordinator.async_set_updated_data(replace(data, speed_limits=data.speed_limits.with_config(values)))
