"""Selects: each selected torrent's label, when Deluge's Label plugin is enabled.

A select rather than a sensor plus a ``set_label`` action: it shows the label and Deluge's
other labels on the torrent's device, changes it from a dashboard in one tap, and automations
use the standard ``select.select_option`` and state triggers. The options are Deluge's labels
(read on every poll, so one made in Deluge's own UI appears) and ``No Label``, Deluge's own
name for none, which no label can collide with (labels are lower-case).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Final

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .client import DelugeLabelPluginMissingError
from .const import DOMAIN
from .coordinator import DelugeWebApiConfigEntry
from .entity import DelugeTorrentEntity
from .helpers import deluge_exception_handler

PARALLEL_UPDATES = 1

NO_LABEL: Final = "No Label"
# The Web UI serves torrent fields from a cache up to 1.5 s old: the refresh right after a change
# may still show the old label, so the select shows the chosen one this long unless Deluge agrees.
ASSUMED_LABEL_HOLD: Final = timedelta(seconds=5)

LABEL_SELECT: Final = SelectEntityDescription(
    key="label", translation_key="label", entity_category=EntityCategory.CONFIG
)


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: DelugeWebApiConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add each selected torrent's label as it appears; nothing without the Label plugin."""
    coordinator = entry.runtime_data.coordinator
    if not coordinator.label_plugin:
        return

    def add_torrents(hashes: Collection[str]) -> None:
        async_add_entities(
            DelugeTorrentLabelSelect(coordinator, LABEL_SELECT, torrent_hash) for torrent_hash in hashes
        )

    entry.runtime_data.torrent_devices.async_add_platform(add_torrents)


class DelugeTorrentLabelSelect(DelugeTorrentEntity, SelectEntity):
    """A torrent's label; unavailable while Deluge's Label plugin is not answering."""

    _assumed: tuple[str, datetime] | None = None

    @property
    def available(self) -> bool:
        """Return whether the torrent is there and Deluge has labels to offer."""
        return super().available and self.coordinator.data.labels is not None

    def _actual(self) -> str | None:
        torrent = self.torrent
        if torrent is None or torrent.label is None:
            return None
        return torrent.label or NO_LABEL

    @property
    def current_option(self) -> str | None:
        """Return the label just chosen, else the torrent's label in Deluge."""
        if self._assumed is not None and self._assumed[1] > dt_util.utcnow():
            return self._assumed[0]
        return self._actual()

    @property
    def options(self) -> list[str]:
        """Return ``No Label`` and Deluge's labels (and the torrent's, were it not among them)."""
        options = [NO_LABEL, *(self.coordinator.data.labels or ())]
        if (current := self.current_option) is not None and current not in options:
            options.append(current)
        return options

    def _shown(self) -> tuple[object, ...]:
        if self._assumed is not None and (
            self._actual() == self._assumed[0] or self._assumed[1] <= dt_util.utcnow()
        ):
            self._assumed = None
        return (self.available, self.current_option, tuple(self.options))

    @deluge_exception_handler
    async def async_select_option(self, option: str) -> None:
        """Give the torrent this label, or none."""
        try:
            await self.coordinator.client.set_torrent_label(
                self.torrent_hash, "" if option == NO_LABEL else option
            )
        except DelugeLabelPluginMissingError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="label_plugin_disabled"
            ) from err
        self._assumed = (option, dt_util.utcnow() + ASSUMED_LABEL_HOLD)
        self._handle_coordinator_update()
