"""Polls Deluge: every torrent, the session totals, free space and whether the session is paused."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .client import (
    DelugeAuthenticationError,
    DelugeDaemonNotConnectedError,
    DelugeError,
    DelugeWebApiMissingError,
    DelugeWebClient,
    ServerInfo,
    SessionStatus,
    Torrent,
)
from .const import DEFAULT_SCAN_INTERVAL, DOMAIN, LOGGER
from .helpers import deluge_error_translation

if TYPE_CHECKING:
    from .torrent_devices import TorrentDeviceManager

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


@dataclass(kw_only=True)
class DelugeWebApiRuntimeData:
    """What a loaded config entry holds."""

    client: DelugeWebClient
    coordinator: DelugeWebApiCoordinator
    torrent_devices: TorrentDeviceManager


type DelugeWebApiConfigEntry = ConfigEntry[DelugeWebApiRuntimeData]


class DelugeWebApiCoordinator(DataUpdateCoordinator[DelugeSnapshot]):
    """Fetches everything the entities show in one round of four concurrent calls."""

    config_entry: DelugeWebApiConfigEntry
    server_info: ServerInfo

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

    async def _async_setup(self) -> None:
        """Attach the web UI to its daemon if it is not, and read the versions once."""
        with self._deluge_errors():
            await self._attach_daemon()
            self.server_info = await self.client.get_server_info()

    async def _async_update_data(self) -> DelugeSnapshot:
        with self._deluge_errors():
            if self._reconnect:
                await self._attach_daemon()
                self._reconnect = False
            snapshot = await self._fetch()
        self._report_problem(None)
        return snapshot

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
                torrents_task = group.create_task(client.get_torrents(fields=POLL_FIELDS))
                session_task = group.create_task(client.get_session_status())
                free_space_task = group.create_task(client.get_free_space())
                paused_task = group.create_task(client.is_session_paused())
        except ExceptionGroup as errors:
            raise _most_relevant(errors) from None
        torrents = torrents_task.result()
        if self._check_torrent_list or not torrents:
            await self._check_against_daemon(len(torrents))
        return DelugeSnapshot(
            torrents=torrents,
            state_counts=Counter(torrent.state for torrent in torrents.values()),
            session=session_task.result(),
            free_space=free_space_task.result(),
            session_paused=paused_task.result(),
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
        """Report a problem that deserves a repair issue; None after each successful poll.

        Repairs are not raised yet; the plan is an issue for ``DelugeWebApiMissingError`` (how to
        install and enable the plugin) and one for ``DelugeDaemonNotConnectedError`` (daemon link lost),
        both deleted again here when ``error`` is None.
        """
        if isinstance(error, DelugeWebApiMissingError | DelugeDaemonNotConnectedError):
            LOGGER.debug("Deluge problem that will get a repair issue: %s", type(error).__name__)


def _most_relevant(errors: ExceptionGroup[Exception]) -> Exception:
    """Pick the error a failed round stands for: a refused password first, then any client error."""
    for error in errors.exceptions:
        if isinstance(error, DelugeAuthenticationError):
            return error
    for error in errors.exceptions:
        if isinstance(error, DelugeError):
            return error
    return errors
