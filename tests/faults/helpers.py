"""What every fault scenario checks: availability, a clean log, no pile-up, and an unchanged registry.

Polls are driven with the frozen clock (``freezer.tick`` + ``async_fire_time_changed``). The
event loop's clock is frozen too, so a request that hangs never times out by itself: the tests
advance the clock by the client's timeout once the requests are seen hanging at the proxy, and a
watchdog in real time fails a poll that does not finish (instead of hanging the test run).

"In flight", honestly: one poll of the coordinator sends its calls concurrently by design (the
torrents, the session figures, free space, paused state, speed limits, labels). So "at most one
request in flight" is checked as "at most one poll in flight": the proxy never holds more requests
at once than one healthy poll sends, holds none once a poll is over (nothing abandoned or
retrying in the background), and a fault that lasts does not make the polls send more requests.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import pairwise
import logging
import time
from typing import Final

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.deluge_webapi.const import DEFAULT_SCAN_INTERVAL, DOMAIN
from custom_components.deluge_webapi.coordinator import DelugeWebApiCoordinator
from tests.deluge_harness import DelugeServer

from .proxy import DelugeProxy

# A poll that takes longer than this (real seconds) is taken as hanging.
WATCHDOG: Final = 20.0
REAL_STEP: Final = 0.02
# The client's request timeout in the scenarios with hanging requests.
SHORT_TIMEOUT: Final = 2.0

type RegistryState = tuple[
    frozenset[tuple[str, frozenset[tuple[str, str]]]], frozenset[tuple[str, str, str | None]]
]


async def real_sleep(seconds: float) -> None:
    """Sleep in real time: ``asyncio.sleep`` never ends while the loop's clock is frozen."""
    await asyncio.get_running_loop().run_in_executor(None, time.sleep, seconds)


async def settle(hass: HomeAssistant, limit: float = WATCHDOG) -> None:
    """Wait for Home Assistant's tasks (the poll) to finish; fail when they take ``limit`` real seconds."""
    done = asyncio.ensure_future(hass.async_block_till_done(wait_background_tasks=True))
    for _ in range(int(limit / REAL_STEP)):
        if done.done():
            done.result()
            return
        await real_sleep(REAL_STEP)
    done.cancel()
    pytest.fail(f"Home Assistant did not settle within {limit} s: a poll or an action hangs")


async def fire_poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, interval: timedelta) -> None:
    """Let one update interval pass, starting the coordinators' polls (without waiting for them)."""
    freezer.tick(interval)
    async_fire_time_changed(hass)
    await asyncio.sleep(0)


async def wait_real(check: object, what: str, limit: float = 15.0) -> None:
    """Wait in real time until ``check()`` is true (Deluge does things in its own time)."""
    assert callable(check)
    for _ in range(int(limit / 0.1)):
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await real_sleep(0.1)
    raise AssertionError(f"timed out waiting until {what}")


async def wait_seeding(hass: HomeAssistant, server: DelugeServer, torrent_hash: str) -> None:
    """Wait until the WebAPI (what a poll reads) lists the torrent seeding at 100 %.

    Just after the Web UI reattaches to its daemon it may list torrents without any field: those
    entries are skipped here.
    """

    async def seeding() -> bool:
        result = await hass.async_add_executor_job(
            server.call, "webapi.get_torrents", [torrent_hash], ["hash", "state", "progress"]
        )
        return any(
            torrent.get("hash") == torrent_hash
            and torrent.get("state") == "Seeding"
            and torrent.get("progress") == 100.0
            for torrent in result["torrents"]
        )

    await wait_real(seeding, f"{torrent_hash} is seeding")


def assert_clean_log(caplog: pytest.LogCaptureFixture) -> None:
    """No traceback and no unhandled exception anywhere in Home Assistant's log."""
    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    for record in records:
        message = record.getMessage()
        assert not (record.levelno >= logging.ERROR and record.exc_info), (
            f"logged with a traceback: {record.name}: {message}"
        )
        assert "Traceback" not in message, f"{record.name}: {message}"
        assert "Unexpected error" not in message, f"{record.name}: {message}"
        assert "Task exception was never retrieved" not in message, message


@dataclass
class Watched:
    """A config entry set up against Deluge through a counting proxy."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    server: DelugeServer
    proxy: DelugeProxy
    entry: MockConfigEntry
    interval: timedelta = DEFAULT_SCAN_INTERVAL
    one_poll: int = 0
    """How many requests one healthy poll sends: the most that may ever be in flight at once."""
    polls: list[list[str]] = field(default_factory=list)
    """The methods each poll sent, in order."""

    @property
    def coordinator(self) -> DelugeWebApiCoordinator:
        coordinator: DelugeWebApiCoordinator = self.entry.runtime_data.coordinator
        return coordinator

    def entry_state(self) -> ConfigEntryState:
        """The config entry's state now (a call, so that type checkers do not narrow it)."""
        state: ConfigEntryState = self.entry.state
        return state

    async def measure_one_poll(self) -> None:
        """Poll once while Deluge is healthy: the size of one poll, the bound for every later one."""
        sent = await self.poll()
        assert self.coordinator.last_update_success, self.coordinator.last_exception
        self.one_poll = len(sent)
        assert self.one_poll >= 4
        assert self.proxy.max_in_flight <= self.one_poll

    # Polling

    async def poll(self, interval: timedelta | None = None) -> list[str]:
        """One poll, start to finish; the methods it sent. Nothing may stay in flight after it.

        ``interval``: let this much time pass instead of the update interval (a set-up retry).
        """
        start = len(self.proxy.requests)
        await fire_poll(self.hass, self.freezer, interval or self.interval)
        await settle(self.hass)
        await self.proxy.wait_idle()
        return self._sent(start)

    async def poll_through_timeout(self, request_timeout: float = SHORT_TIMEOUT) -> list[str]:
        """One poll whose requests hang: seen hanging at the proxy, then the client's timeout passes."""
        start = len(self.proxy.requests)
        await fire_poll(self.hass, self.freezer, self.interval)
        await self.proxy.wait_in_flight(1)
        await real_sleep(0.3)
        assert self.proxy.in_flight >= 1, "the requests did not hang"
        self.freezer.tick(request_timeout)
        async_fire_time_changed(self.hass)
        await settle(self.hass)
        await self.proxy.wait_idle()
        return self._sent(start)

    def _sent(self, start: int) -> list[str]:
        sent = self.proxy.methods(start)
        self.polls.append(sent)
        return sent

    # What the user sees

    def entity_ids(self) -> list[str]:
        registry = er.async_get(self.hass)
        return sorted(
            entity.entity_id
            for entity in er.async_entries_for_config_entry(registry, self.entry.entry_id)
            if entity.disabled_by is None
        )

    def states(self) -> dict[str, str]:
        states: dict[str, str] = {}
        for entity_id in self.entity_ids():
            state = self.hass.states.get(entity_id)
            assert state is not None, f"{entity_id} has no state"
            states[entity_id] = state.state
        return states

    def assert_unavailable(self, reason: str | None = None) -> None:
        """Every entity of the entry is unavailable; the poll failed for the translated ``reason``."""
        states = self.states()
        assert states
        assert set(states.values()) == {STATE_UNAVAILABLE}, states
        if reason is not None:
            assert self.failure_reason() == reason

    def assert_available(self) -> None:
        """Every entity of the entry is available and the last poll succeeded."""
        assert self.entry.state is ConfigEntryState.LOADED
        assert self.coordinator.last_update_success, self.coordinator.last_exception
        states = self.states()
        assert states
        unavailable = sorted(entity_id for entity_id, state in states.items() if state == STATE_UNAVAILABLE)
        assert not unavailable

    def failure_reason(self) -> str | None:
        """The translation key of the last poll's failure; None after a success."""
        if self.coordinator.last_update_success:
            return None
        error = self.coordinator.last_exception
        assert isinstance(error, HomeAssistantError), repr(error)
        assert error.translation_domain == DOMAIN
        return error.translation_key

    def state(self, key: str, torrent_hash: str | None = None, domain: str = "sensor") -> str:
        """The state of the entity with unique id key ``key`` (of the server, or of a torrent)."""
        unique_id = (
            f"{self.entry.entry_id}_{key}"
            if torrent_hash is None
            else (f"{self.entry.entry_id}_{torrent_hash}_{key}")
        )
        entity_id = er.async_get(self.hass).async_get_entity_id(domain, DOMAIN, unique_id)
        assert entity_id is not None, f"no {domain} entity {unique_id}"
        state = self.hass.states.get(entity_id)
        assert state is not None, f"{entity_id} has no state"
        return state.state

    def registry(self) -> RegistryState:
        """The entry's devices (id, identifiers) and entities (entity id, unique id, device id)."""
        devices = frozenset(
            (device.id, frozenset(device.identifiers))
            for device in dr.async_entries_for_config_entry(dr.async_get(self.hass), self.entry.entry_id)
        )
        entities = frozenset(
            (entity.entity_id, entity.unique_id, entity.device_id)
            for entity in er.async_entries_for_config_entry(er.async_get(self.hass), self.entry.entry_id)
        )
        return devices, entities

    def issues(self) -> set[str]:
        """The ids of the integration's repair issues for this entry."""
        return {
            issue.issue_id
            for issue in ir.async_get(self.hass).issues.values()
            if issue.domain == DOMAIN and issue.issue_id.endswith(self.entry.entry_id)
        }

    def reauth_flows(self) -> list[str]:
        """The reauthentication flows in progress for this entry."""
        return [
            flow["flow_id"]
            for flow in self.hass.config_entries.flow.async_progress_by_handler(DOMAIN)
            if flow["context"].get("source") == SOURCE_REAUTH
            and flow["context"].get("entry_id") == self.entry.entry_id
        ]

    # No pile-up

    def assert_no_pile_up(self, fault_polls: list[list[str]]) -> None:
        """At most one poll's worth of requests at once, and no more requests as the fault lasts."""
        assert self.one_poll, "measure_one_poll() first"
        assert self.proxy.max_in_flight <= self.one_poll, (self.proxy.max_in_flight, self.one_poll)
        assert self.proxy.in_flight == 0
        sizes = [len(sent) for sent in fault_polls]
        for size in sizes:
            assert size <= 2 * self.one_poll, fault_polls
        # The first poll of a fault may differ (it finds the fault); after that they must not grow.
        for previous, size in pairwise(sizes[1:]):
            assert size <= previous, fault_polls
