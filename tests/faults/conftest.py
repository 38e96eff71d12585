"""Fixtures of the fault-injection suite, and its one-line summary: scenarios passed / total.

Every test is marked ``@pytest.mark.scenario(n)`` with the number of its scenario in issue 8; a
scenario passes when all of its tests pass. Every test also gets a log check after it: no
traceback and no unhandled exception anywhere in Home Assistant's log.

Each entry talks to Deluge through a counting proxy (proxy.py). A poll sends its calls
concurrently by design, so "no pile-up" is checked as "at most one poll in flight": never more
requests at once than one healthy poll sends, none left once a poll is over, and no more per
poll as a fault lasts (helpers.py, ``Watched.assert_no_pile_up``).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
import logging
import time

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket

from custom_components.deluge_webapi.client import DelugeAddress
from custom_components.deluge_webapi.const import DEFAULT_SCAN_INTERVAL, DOMAIN
from tests.conftest import ENTRY_ID, ENTRY_TITLE, setup_integration
from tests.deluge_harness import DelugeServer, make_torrent

from .helpers import Watched, assert_clean_log
from .proxy import DelugeProxy

type Watch = Callable[..., Awaitable[Watched]]

_SCENARIO_OF: dict[str, int] = {}


@pytest.fixture(autouse=True)
def clean_log(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture the integration's debug log; after the test, check the whole log for tracebacks."""
    caplog.set_level(logging.DEBUG, logger="custom_components.deluge_webapi")
    yield
    assert_clean_log(caplog)


STEADY_TORRENT = "steady.bin"


@pytest.fixture(scope="module")
def steady_deluge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DelugeServer, str]]:
    """A Deluge with one seeding torrent, for a module's tests that fake faults without touching it.

    Yields the server and the torrent's hash.
    """
    pytest_socket.enable_socket()
    server = DelugeServer(tmp_path_factory.mktemp("steady"))
    try:
        server.start()
        torrent = make_torrent(server.download_dir, STEADY_TORRENT, seed=8)
        options = {"download_location": str(server.download_dir)}
        server.call("webapi.add_torrent", base64.b64encode(torrent.metainfo).decode(), options)
        for _ in range(300):
            status = server.torrents().get(torrent.info_hash, {})
            if status.get("state") == "Seeding" and status.get("progress") == 100.0:
                break
            time.sleep(0.1)
        # What a poll reads lags the daemon by up to 1.5 s.
        time.sleep(1.6)
        yield server, torrent.info_hash
    finally:
        server.stop()


@pytest.fixture
async def watch(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, socket_enabled: None
) -> AsyncIterator[Watch]:
    """Set up a config entry for a Deluge through a counting proxy of its own.

    ``measure`` polls once right away to learn how many requests one healthy poll sends.
    """
    proxies: list[DelugeProxy] = []

    async def start(
        server: DelugeServer,
        *,
        entry_id: str = ENTRY_ID,
        title: str = ENTRY_TITLE,
        password: str | None = None,
        interval: timedelta = DEFAULT_SCAN_INTERVAL,
        measure: bool = True,
    ) -> Watched:
        proxy = await DelugeProxy(server.web_port).start()
        proxies.append(proxy)
        entry = MockConfigEntry(
            domain=DOMAIN,
            entry_id=entry_id,
            title=title,
            unique_id=DelugeAddress.parse(proxy.url).normalized,
            data={
                CONF_HOST: proxy.url,
                CONF_PASSWORD: server.password if password is None else password,
                CONF_VERIFY_SSL: True,
            },
        )
        await setup_integration(hass, entry)
        watched = Watched(hass, freezer, server, proxy, entry, interval)
        if measure:
            await watched.measure_one_poll()
        return watched

    yield start
    for proxy in proxies:
        await proxy.stop()


# The summary line


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if (marker := item.get_closest_marker("scenario")) is not None:
            _SCENARIO_OF[item.nodeid] = int(marker.args[0])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print ``Fault scenarios passed: n/total`` for the scenarios collected in this run."""
    if not _SCENARIO_OF:
        return
    ran: set[int] = set()
    failed: set[int] = set()
    for outcome in ("passed", "failed", "error", "skipped", "xfailed", "xpassed"):
        for report in terminalreporter.stats.get(outcome, []):
            scenario = _SCENARIO_OF.get(getattr(report, "nodeid", ""))
            if scenario is None:
                continue
            ran.add(scenario)
            if outcome != "passed":
                failed.add(scenario)
    total = sorted(set(_SCENARIO_OF.values()))
    passed = [scenario for scenario in total if scenario in ran and scenario not in failed]
    line = f"Fault scenarios passed: {len(passed)}/{len(total)}"
    if missing := [scenario for scenario in total if scenario not in passed]:
        line += f" (not passed: {', '.join(str(scenario) for scenario in missing)})"
    terminalreporter.write_line(line)
