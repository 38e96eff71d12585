"""The scenarios of benchmarks/poll.py, run by pytest with Home Assistant's test harness (see poll.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import contextlib
import cProfile
from dataclasses import dataclass, field
import gc
import json
import logging
import os
from pathlib import Path
import subprocess
import sys
import time
from typing import Any

from aiohttp import ClientSession, CookieJar
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
    __version__ as ha_version,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.aiohttp_client import async_create_clientsession
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "benchmarks")]

from measure import ByteCountingRelay, LoopLagMonitor, deep_sizeof, median, timed_ms  # noqa: E402
from poll_report import Report, ms, rounds_wanted, size  # noqa: E402
from real_deluge import daemon_credentials, fill  # noqa: E402

from custom_components.deluge_webapi.client import DelugeAddress  # noqa: E402
from custom_components.deluge_webapi.const import DEFAULT_MAX_TORRENT_ENTITIES, DOMAIN  # noqa: E402
from custom_components.deluge_webapi.coordinator import DelugeWebApiCoordinator  # noqa: E402
from tests.deluge_harness import DelugeServer  # noqa: E402

LAG_ROUNDS = 3
UNCHANGED_TRIES = 4
WEB_CACHE_GAP = 1.6  # seconds: longer than the Web UI's 1.5 s torrent status cache
FAKE_GAP = 0.2
REAL_COUNTS = (100, 1_000)
FAKE_COUNT = 10_000
CAP = DEFAULT_MAX_TORRENT_ENTITIES
PROFILE_DIR = "DELUGE_WEBAPI_BENCH_PROFILE"

pytestmark = pytest.mark.usefixtures("socket_enabled")


# Fixtures


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Report:
    """Return the table of this run (main() registers it; a bare pytest run gets one here)."""
    manager = request.config.pluginmanager
    for plugin in manager.get_plugins():
        if isinstance(plugin, Report):
            return plugin
    plugin = Report(rounds=rounds_wanted())
    manager.register(plugin)
    return plugin


@pytest.fixture(scope="module")
def real_deluge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DelugeServer]:
    """Run one real Deluge, filled in steps by the scenarios (100, then 1,000 torrents)."""
    pytest_socket.enable_socket()
    server = DelugeServer(tmp_path_factory.mktemp("deluge"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def captured() -> dict[int, bytes]:
    """Keep the real 1,000-torrent answer for the fake server."""
    return {}


@pytest.fixture(autouse=True)
def custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/."""


@pytest.fixture(autouse=True)
def production_like() -> Iterator[None]:
    """Log at Home Assistant's default level (warning).

    The event loop's debug mode, which the test harness turns on, is turned off by each test.
    """
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)
    yield
    root.setLevel(level)


# The scenarios


@pytest.mark.parametrize("count", REAL_COUNTS)
async def test_real_deluge(
    hass: HomeAssistant, real_deluge: DelugeServer, captured: dict[int, bytes], report: Report, count: int
) -> None:
    """N = 100 and 1,000 on a real Deluge; at 1,000 core's approach too, on the same daemon."""
    asyncio.get_running_loop().set_debug(False)  # as in production
    if not any(note.startswith("Home Assistant") for note in report.notes):
        report.note(f"Home Assistant {ha_version}; Deluge 2.2.0 with WebAPI 0.4.0 for N = 100 and 1,000.")
    start = time.perf_counter()
    await hass.async_add_executor_job(fill, real_deluge, count)
    report.note(f"Real Deluge filled to {count:,} torrents in {time.perf_counter() - start:.1f} s.")
    core = await CoreDeluge.set_up(hass, real_deluge, report) if count == max(REAL_COUNTS) else None
    bench = await PollBench.set_up(hass, count, real_deluge.url, real_deluge.password, gap=WEB_CACHE_GAP)
    await bench.measure(report, "real Deluge 2.2.0 + WebAPI 0.4.0", core)
    captured[count] = bench.last_body


async def test_fake_deluge(
    hass: HomeAssistant, real_deluge: DelugeServer, captured: dict[int, bytes], report: Report, tmp_path: Path
) -> None:
    """N = 10,000 on the fake server replaying the real 1,000-torrent answer, multiplied."""
    asyncio.get_running_loop().set_debug(False)
    source = captured.get(max(REAL_COUNTS))
    if source is None:
        pytest.skip("the real 1,000-torrent scenario did not run: nothing to replay")
    capture = tmp_path / "get_torrents.json"
    capture.write_bytes(source)
    with _fake_deluge(capture, FAKE_COUNT, real_deluge) as url:
        password = real_deluge.password
        bench = await PollBench.set_up(hass, FAKE_COUNT, url, password, gap=FAKE_GAP, variants=True)
        await bench.measure(report, "fake: the real 1,000 answer x10, fresh hashes", None)


# Measuring


@dataclass(kw_only=True)
class Writes:
    """State writes of some entities, counted from the bus: changed, and reported unchanged."""

    entity_ids: set[str]
    changed: int = 0
    reported: int = 0

    @property
    def total(self) -> int:
        """Return every write counted since the last reset."""
        return self.changed + self.reported

    def reset(self) -> None:
        """Count from zero."""
        self.changed = self.reported = 0

    def listen(self, hass: HomeAssistant) -> None:
        """Count from now on."""

        @callback
        def wanted(data: Any) -> bool:
            return data["entity_id"] in self.entity_ids

        @callback
        def on_changed(_event: Event[Any]) -> None:
            self.changed += 1

        @callback
        def on_reported(_event: Event[Any]) -> None:
            self.reported += 1

        hass.bus.async_listen(EVENT_STATE_CHANGED, on_changed, event_filter=wanted)
        hass.bus.async_listen(EVENT_STATE_REPORTED, on_reported, event_filter=wanted)

    @classmethod
    def of_entry(cls, hass: HomeAssistant, entry_id: str) -> Writes:
        """Count the writes of a config entry's entities."""
        entries = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
        writes = cls(entity_ids={entity.entity_id for entity in entries})
        writes.listen(hass)
        return writes


@dataclass(kw_only=True)
class CoreDeluge:
    """Home Assistant's own Deluge integration, set up on the same daemon."""

    hass: HomeAssistant
    coordinator: DataUpdateCoordinator[Any]
    writes: Writes
    user: str
    secret: str
    times: list[float] = field(default_factory=list)
    lag_ms: float = 0.0

    @classmethod
    async def set_up(cls, hass: HomeAssistant, server: DelugeServer, report: Report) -> CoreDeluge | None:
        """Set it up with the daemon's localclient credentials; None without deluge-client."""
        try:
            import deluge_client  # noqa: F401, PLC0415  # only in the benchmark's environment
        except ImportError:
            report.note("Core Deluge's approach skipped: deluge-client is missing (run scripts/benchmark).")
            return None
        user, secret = daemon_credentials(server)
        data = {CONF_HOST: "127.0.0.1", CONF_PORT: server.daemon_port, CONF_USERNAME: user}
        data |= {CONF_PASSWORD: secret, "web_port": server.web_port}
        entry = MockConfigEntry(domain="deluge", title="core Deluge", data=data)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        writes = Writes.of_entry(hass, entry.entry_id)
        return cls(hass=hass, coordinator=entry.runtime_data, writes=writes, user=user, secret=secret)

    async def poll(self) -> None:
        """Refresh, as its coordinator does every 30 s."""
        await self.coordinator.async_refresh()
        await self.hass.async_block_till_done()
        assert self.coordinator.last_update_success

    async def wire_bytes(self) -> int:
        """Bytes both ways of one poll (TLS daemon protocol), through a counting relay."""
        from deluge_client import DelugeRPCClient  # noqa: PLC0415

        api = self.coordinator.api  # type: ignore[attr-defined]
        relay = await ByteCountingRelay(api.host, api.port).start()
        relayed = DelugeRPCClient("127.0.0.1", relay.port, self.user, self.secret)
        await self.hass.async_add_executor_job(relayed.connect)
        relay.reset()
        try:
            self.coordinator.api = relayed  # type: ignore[attr-defined]
            await self.poll()
            return relay.total
        finally:
            self.coordinator.api = api  # type: ignore[attr-defined]
            await self.hass.async_add_executor_job(relayed.disconnect)
            await relay.close()


@dataclass(kw_only=True)
class PollBench:
    """Our integration, set up on one Deluge Web UI, and the limit's session on the same one."""

    hass: HomeAssistant
    count: int
    url: str
    gap: float  # seconds between two timed requests
    variants: bool  # the fake server: switch the body's variant before each poll
    coordinator: DelugeWebApiCoordinator
    entry_id: str
    writes: Writes
    session: ClientSession
    request: dict[str, Any] = field(default_factory=dict)
    last_body: bytes = b""
    polls: int = 0
    orjson_times: list[float] = field(default_factory=list)

    @classmethod
    async def set_up(
        cls, hass: HomeAssistant, count: int, url: str, password: str, *, gap: float, variants: bool = False
    ) -> PollBench:
        """Add a config entry for the Web UI at ``url``, with default options, and log the limit in."""
        data = {CONF_HOST: url, CONF_PASSWORD: password, CONF_VERIFY_SSL: True}
        entry = MockConfigEntry(domain=DOMAIN, title=f"Deluge {count}", data=data)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        coordinator: DelugeWebApiCoordinator = entry.runtime_data.coordinator
        assert len(coordinator.data.torrents) == count
        bench = cls(
            hass=hass,
            count=count,
            url=url,
            gap=gap,
            variants=variants,
            coordinator=coordinator,
            entry_id=entry.entry_id,
            writes=Writes.of_entry(hass, entry.entry_id),
            session=async_create_clientsession(hass, cookie_jar=CookieJar(unsafe=True)),
        )
        login = await bench.post({"id": 1, "method": "auth.login", "params": [password]})
        assert json.loads(login)["result"] is True
        bench.request = await bench.captured_request()
        return bench

    async def post(self, payload: dict[str, Any], url: str | None = None) -> bytes:
        """POST one JSON-RPC request on the limit's session; return the body."""
        async with self.session.post(url or DelugeAddress.parse(self.url).json_url, json=payload) as response:
            return await response.read()

    async def captured_request(self) -> dict[str, Any]:
        """Return the exact ``webapi.get_torrents`` request of one poll, as the client sends it."""
        client = self.coordinator.client
        send = client._send_once  # noqa: SLF001  # the client's one sending point
        sent: list[dict[str, Any]] = []

        async def spy(payload: dict[str, Any]) -> tuple[int, str, bytes]:
            sent.append(payload)
            return await send(payload)

        client._send_once = spy  # type: ignore[method-assign]  # noqa: SLF001
        try:
            await self.coordinator.async_refresh()
        finally:
            del client._send_once  # noqa: SLF001
        return next(payload for payload in sent if payload["method"] == "webapi.get_torrents")

    async def limit(self) -> None:
        """One POST of the poll's get_torrents request, and a bare json.loads of the body."""
        body = await self.post(self.request)
        json.loads(body)
        self.last_body = body

    async def limit_orjson(self) -> None:
        """Run the limit with orjson (which our client decodes with) instead of json.loads."""
        orjson.loads(await self.post(self.request))

    async def ours(self) -> None:
        """One full refresh: the concurrent calls, parsing, devices, events, entity updates."""
        await self.coordinator.async_refresh()
        await self.hass.async_block_till_done()
        assert self.coordinator.last_update_success

    async def next_poll(self) -> None:
        """Wait out the Web UI's cache; with variants, make the next body differ from the last."""
        self.polls += 1
        if self.variants:
            await self.post({"id": 2, "method": "bench.variant", "params": ["ab"[self.polls % 2]]})
        await _pause(self.hass, self.gap)

    async def measure(self, report: Report, server: str, core: CoreDeluge | None) -> None:
        """Measure everything and add the scenario's row (and core's) to the report."""
        await self.next_poll()  # warm-up: connections open, code paths taken once
        await self.limit()
        await _pause(self.hass, self.gap)
        await self.ours()
        if core is not None:
            await core.poll()
        limit_times, ours_times = await self.timed_rounds(report.rounds, core)
        lag_ms = await self.lag_rounds(core)
        await self.profile(report.rounds)
        unchanged = await self.writes_on_unchanged_poll()
        wire, limit_wire = await self.wire_bytes()
        devices, entities, enabled = self.torrent_entities()
        assert devices <= CAP, f"{devices} torrent devices, over the cap of {CAP}"
        assert devices == min(CAP, self.count)
        limit_ms, ours_ms = median(limit_times), median(ours_times)
        report.add(
            f"{self.count:,}",
            server,
            ms(limit_ms),
            ms(ours_ms),
            f"{ours_ms / limit_ms:.2f}",
            size(wire),
            size(limit_wire),
            "n/a (data always changed)" if unchanged is None else str(unchanged),
            f"{lag_ms:.1f} ms",
            self.data_held(),
            f"{devices} / {entities:,} ({enabled} enabled)",
        )
        orjson_ms = median(self.orjson_times)
        report.note(
            f"N = {self.count:,}: get_torrents body {size(len(self.last_body))} of JSON; "
            f"limit {', '.join(ms(value) for value in limit_times)} ms; "
            f"ours {', '.join(ms(value) for value in ours_times)} ms; "
            f"limit with orjson.loads {ms(orjson_ms)} ms (ours/that {ours_ms / orjson_ms:.2f})."
        )
        if core is not None:
            await self.measure_core(report, core, ours_ms)

    async def measure_core(self, report: Report, core: CoreDeluge, ours_ms: float) -> None:
        """Add core's row: its poll's time next to ours, and the same other figures."""
        core.writes.reset()
        await core.poll()
        core_unchanged = core.writes.total
        core_ms = median(core.times)
        report.add(
            f"{self.count:,}",
            "core Deluge's approach, same daemon (deluge-client)",
            "-",
            f"core {ms(core_ms)}",
            f"ours/core {ours_ms / core_ms:.2f}",
            size(await core.wire_bytes()),
            "-",
            str(core_unchanged),
            f"{core.lag_ms:.1f} ms",
            size(deep_sizeof(core.coordinator.data)),
            "none (no per-torrent data)",
        )
        report.note(f"N = {self.count:,}: core {', '.join(ms(value) for value in core.times)} ms.")

    async def timed_rounds(self, rounds: int, core: CoreDeluge | None) -> tuple[list[float], list[float]]:
        """Time the limit and ours, alternating (and core after ours; the orjson limit for a note)."""
        limit_times: list[float] = []
        ours_times: list[float] = []
        for _ in range(rounds):
            await self.next_poll()
            limit_times.append(await timed_ms(self.limit))
            await _pause(self.hass, self.gap)
            ours_times.append(await timed_ms(self.ours))
            if core is not None:
                core.times.append(await timed_ms(core.poll))
            await _pause(self.hass, self.gap)
            self.orjson_times.append(await timed_ms(self.limit_orjson))
        return limit_times, ours_times

    async def lag_rounds(self, core: CoreDeluge | None) -> float:
        """Return the worst event loop lag during a refresh of ours (core's goes to ``core``)."""
        lag_ms = 0.0
        for _ in range(LAG_ROUNDS):
            await self.next_poll()
            gc.collect()
            async with LoopLagMonitor() as monitor:
                await self.ours()
            lag_ms = max(lag_ms, monitor.max_lag_ms)
            if core is not None:
                gc.collect()
                async with LoopLagMonitor() as monitor:
                    await core.poll()
                core.lag_ms = max(core.lag_ms, monitor.max_lag_ms)
        return lag_ms

    async def profile(self, rounds: int) -> None:
        """With DELUGE_WEBAPI_BENCH_PROFILE set, write a cProfile of ours' polls there."""
        if not (directory := os.environ.get(PROFILE_DIR)):
            return
        profiler = cProfile.Profile()
        for _ in range(rounds):
            await self.next_poll()
            profiler.enable()
            await self.ours()
            profiler.disable()
        profiler.dump_stats(Path(directory) / f"ours-{self.count}.prof")

    async def writes_on_unchanged_poll(self) -> int | None:
        """Return the state writes on a poll whose data equals the last one's (None: never equal)."""
        for _ in range(UNCHANGED_TRIES):  # with variants: the variant of the last poll, again
            await _pause(self.hass, self.gap)
            before = self.coordinator.data
            self.writes.reset()
            await self.ours()
            if self.coordinator.data == before:
                return self.writes.total
        return None

    async def wire_bytes(self) -> tuple[int, int]:
        """Return the bytes both ways of one poll, and of the limit's request, through a relay."""
        await _pause(self.hass, self.gap)
        address = DelugeAddress.parse(self.url)
        relay = await ByteCountingRelay(address.host, address.port).start()
        relayed = DelugeAddress.parse(f"http://127.0.0.1:{relay.port}")
        client = self.coordinator.client
        try:
            client.address = relayed
            await self.ours()
            wire = relay.total
            relay.reset()
            await self.post(self.request, relayed.json_url)
            return wire, relay.total
        finally:
            client.address = address
            await relay.close()

    def data_held(self) -> str:
        """Return the deep size of ``coordinator.data``, and what the torrent parser keeps besides."""
        data = self.coordinator.data
        held = deep_sizeof(data)
        parser = self.coordinator._torrent_parser  # noqa: SLF001  # its memo is held for the next poll
        memo = deep_sizeof((data, parser._previous, parser._pieces)) - held  # noqa: SLF001
        return f"{size(held)} + parser {size(memo)}"

    def torrent_entities(self) -> tuple[int, int, int]:
        """Return the torrent devices, their registry entities, and how many of those are enabled."""
        prefix = f"{self.entry_id}_"
        devices = {
            device.id
            for device in dr.async_entries_for_config_entry(dr.async_get(self.hass), self.entry_id)
            if any(domain == DOMAIN and key.startswith(prefix) for domain, key in device.identifiers)
        }
        entities = [
            entity
            for entity in er.async_entries_for_config_entry(er.async_get(self.hass), self.entry_id)
            if entity.device_id in devices
        ]
        return len(devices), len(entities), sum(entity.disabled_by is None for entity in entities)


@contextlib.contextmanager
def _fake_deluge(capture: Path, count: int, upstream: DelugeServer) -> Iterator[str]:
    """Run fake_deluge.py in a process of its own; yield its URL."""
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            str(REPO_ROOT / "benchmarks" / "fake_deluge.py"),
            f"--captured={capture}",
            f"--count={count}",
            f"--upstream={upstream.url}",
            f"--password={upstream.password}",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"fake_deluge.py did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _pause(hass: HomeAssistant, seconds: float) -> None:
    """Let real time pass with Home Assistant idle."""
    await hass.async_add_executor_job(time.sleep, seconds)
