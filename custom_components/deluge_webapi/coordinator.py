"""Polls Deluge: torrents, session totals, free space, session paused, speed limits and labels."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
import time
from typing import TYPE_CHECKING, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .client import (
    DelugeAuthenticationError,
    DelugeDaemonNotConnectedError,
    DelugeError,
    DelugeWebClient,
    ServerInfo,
    SessionStatus,
    Torrent,
    TorrentListParser,
)
from .const import DEFAULT_SCAN_INTERVAL, DOMAIN, LOGGER
from .helpers import deluge_error_translation
from .issues import async_check_versions, async_report_poll_problem
from .labels import async_fetch_labels, async_label_plugin_enabled
from .speed_limits import SpeedLimits, async_fetch_speed_limits

if TYPE_CHECKING:
    from .torrent_devices import TorrentDeviceManager

_STATE: Final = attrgetter("state")

# The Deluge keys one poll asks for: only what an entity or the torrent events read.
POLL_FIELDS: Final = (
    "hash",
    "name",
    "state",
    "paused",
    "time_added",
    "progress",
    "download_payload_rate",
    "upload_payload_rate",
    "eta",
    "ratio",
    "total_size",
    "total_done",
    "total_uploaded",
    "num_seeds",
    "num_peers",
    # Torrent events (events.py): completion, and what an event tells about the torrent.
    "is_finished",
    "save_path",
    "label",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class DelugeSnapshot:
    """What one poll found."""

    torrents: dict[str, Torrent]
    """Every torrent Deluge has, by hash (not only those with entities)."""
    state_counts: Mapping[str | None, int]
    """How many torrents are in each Deluge state, counted in one pass."""
    session: SessionStatus
    free_space: int | None
    session_paused: bool
    speed_limits: SpeedLimits
    """Deluge's global download and upload limits (speed_limits.py)."""
    labels: tuple[str, ...] | None
    """Deluge's labels, sorted; None without the Label plugin (labels.py)."""


@dataclass(kw_only=True)
class DelugeWebApiRuntimeData:
    """What a loaded config entry holds."""

    client: DelugeWebClient
    coordinator: DelugeWebApiCoordinator
    torrent_devices: TorrentDeviceManager


type DelugeWebApiConfigEntry = ConfigEntry[DelugeWebApiRuntimeData]


class DelugeWebApiCoordinator(DataUpdateCoordinator[DelugeSnapshot]):
    """Fetches everything the entities show in one round of concurrent calls."""

    config_entry: DelugeWebApiConfigEntry
    server_info: ServerInfo
    label_plugin: bool = False
    """Deluge's Label plugin was enabled at set-up: labels are polled and have entities."""

    def __init__(self, hass: HomeAssistant, entry: DelugeWebApiConfigEntry, client: DelugeWebClient) -> None:
        seconds = entry.options.get(CONF_SCAN_INTERVAL)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=timedelta(seconds=seconds) if seconds else DEFAULT_SCAN_INTERVAL,
        )
        self.client = client
        self._reconnect = False  # the last poll found the Web UI without its daemon
        self._check_torrent_list = False  # the Web UI was just reattached: its list may be partial
        # Keeps unchanged torrents the same objects from poll to poll (cheap to parse and compare).
        self._torrent_parser = TorrentListParser()
        self._unsupported_version = False  # re-read the versions each poll until they are supported
        self.last_poll_duration: float | None = None  # seconds the last poll took, failed or not
        self.last_update_success_time: datetime | None = None

    async def _async_setup(self) -> None:
        """Attach the web UI to its daemon if it is not, and read the versions once."""
        with self._deluge_errors():
            await self._attach_daemon()
            await self._read_versions()
            self.label_plugin = await async_label_plugin_enabled(self.client)

    async def _async_update_data(self) -> DelugeSnapshot:
        with self._deluge_errors(), self._timed():
            if self._reconnect:
                await self._attach_daemon()
                self._reconnect = False
            snapshot = await self._fetch()
            if self._unsupported_version:
                await self._read_versions()
        self._report_problem(None)
        return snapshot

    async def _read_versions(self) -> None:
        """Read Deluge's and the plugin's versions; raise or clear the unsupported-version issue."""
        self.server_info = await self.client.get_server_info()
        entry = self.config_entry
        self._unsupported_version = not async_check_versions(
            self.hass, entry.entry_id, entry.title, self.server_info
        )

    @contextmanager
    def _timed(self) -> Iterator[None]:
        """Measure a poll: how long it took whatever the outcome, and when one last succeeded."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.last_poll_duration = time.monotonic() - started
        self.last_update_success_time = dt_util.utcnow()

    async def _attach_daemon(self) -> None:
        if not await self.client.web_connected():
            await self.client.ensure_daemon_connected()
            self._check_torrent_list = True

    async def _fetch(self) -> DelugeSnapshot:
        """Ask concurrently: a poll then takes as long as the slowest call, not the sum of all.

        A task group, because when one call fails the others are cancelled at once: with the daemon
        gone, ``core.*`` calls hang until the timeout while ``webapi.get_torrents`` fails quickly.
        """
        client = self.client
        try:
            async with asyncio.TaskGroup() as group:
                torrents_task = group.create_task(
                    client.get_torrents(fields=POLL_FIELDS, parser=self._torrent_parser)
                )
                session_task = group.create_task(client.get_session_status())
                free_space_task = group.create_task(client.get_free_space())
                paused_task = group.create_task(client.is_session_paused())
                limits_task = group.create_task(async_fetch_speed_limits(client))
                labels_task = group.create_task(async_fetch_labels(client)) if self.label_plugin else None
        except ExceptionGroup as errors:
            raise _most_relevant(errors) from None
        torrents = torrents_task.result()
        if self._check_torrent_list or not torrents:
            await self._check_against_daemon(len(torrents))
        return DelugeSnapshot(
            torrents=torrents,
            state_counts=Counter(map(_STATE, torrents.values())),
            session=session_task.result(),
            free_space=free_space_task.result(),
            session_paused=paused_task.result(),
            speed_limits=limits_task.result(),
            labels=labels_task.result() if labels_task is not None else None,
        )

    async def _check_against_daemon(self, listed: int) -> None:
        """Fail the poll while the Web UI lists fewer torrents than its daemon has.

        Just after the Web UI (re)connects to its daemon, its cache answers with no torrents, or
        with some that lack every field, for a moment. Taken at its word, the torrent devices
        would be removed and added again. Checked after a reattachment, and for an empty list.
        """
        in_daemon = await self.client.call("core.get_session_state")
        if isinstance(in_daemon, list) and len(in_daemon) > listed:
            raise UpdateFailed(translation_domain=DOMAIN, translation_key="torrents_loading")
        self._check_torrent_list = False

    @contextmanager
    def _deluge_errors(self) -> Iterator[None]:
        """Turn client errors into the coordinator's: the one place that maps them.

        A refused password stops polling and starts reauthentication; anything else makes the
        entities unavailable until a poll succeeds (at set-up: the entry retries later).
        """
        try:
            yield
        except DelugeAuthenticationError as err:
            raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth") from err
        except DelugeError as err:
            if isinstance(err, DelugeDaemonNotConnectedError):
                self._reconnect = True
            self._report_problem(err)
            key, placeholders = deluge_error_translation(err)
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
            ) from err

    def _report_problem(self, error: DelugeError | None) -> None:
        """Raise or clear the repair issues for what a poll found; None after each successful poll."""
        entry = self.config_entry
        async_report_poll_problem(self.hass, entry.entry_id, entry.title, error)


def _most_relevant(errors: ExceptionGroup[Exception]) -> Exception:
    """Pick the error a failed round stands for: a refused password first, then any client error."""
    for error in errors.exceptions:
        if isinstance(error, DelugeAuthenticationError):
            return error
    for error in errors.exceptions:
        if isinstance(error, DelugeError):
            return error
    return errors
