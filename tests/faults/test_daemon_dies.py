"""Scenario 6: the daemon dies (or freezes) while the Web UI stays up, and Deluge's own calls hang."""

from __future__ import annotations

import os
import signal

from homeassistant.core import HomeAssistant
import pytest

from tests.conftest import DelugeFactory
from tests.integration_helpers import add_torrent, wait_for_web_state

from .conftest import Watch
from .helpers import SHORT_TIMEOUT, Watched


async def watched_server(
    hass: HomeAssistant, deluge_factory: DelugeFactory, watch: Watch, name: str
) -> tuple[Watched, str]:
    server = deluge_factory()
    torrent = await add_torrent(hass, server, name)
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    watched = await watch(server)
    watched.entry.runtime_data.client.request_timeout = SHORT_TIMEOUT
    return watched, torrent.info_hash


def assert_back(
    watched: Watched, torrent_hash: str, *, state: str = "seeding", progress: float = 100.0
) -> None:
    watched.assert_available()
    assert watched.state("torrents") == "1"
    assert watched.state("state", torrent_hash) == state
    assert float(watched.state("progress", torrent_hash)) == progress
    assert watched.issues() == set()
    assert watched.reauth_flows() == []


@pytest.mark.scenario(6)
async def test_daemon_killed(hass: HomeAssistant, deluge_factory: DelugeFactory, watch: Watch) -> None:
    """SIGKILL: the Web UI sees its daemon gone, yet its ``core.*`` calls never answer.

    The poll fails as soon as the torrent list says the daemon is gone, and the poll's hanging
    calls are given up with it: nothing stays in flight, within one poll everything is
    unavailable, and when a daemon is back the integration reattaches the Web UI to it.
    """
    watched, torrent_hash = await watched_server(hass, deluge_factory, watch, "killed.bin")
    server = watched.server
    registry = watched.registry()

    await hass.async_add_executor_job(server.stop_daemon, signal.SIGKILL)
    fault_polls = [await watched.poll()]
    watched.assert_unavailable("daemon_not_connected")
    fault_polls += [await watched.poll(), await watched.poll()]
    watched.assert_unavailable("daemon_not_connected")
    watched.assert_no_pile_up(fault_polls)

    await hass.async_add_executor_job(server.start_daemon)
    sent = await watched.poll()
    assert "web.connect" in sent
    if not watched.coordinator.last_update_success:  # the Web UI was still loading its list
        assert watched.failure_reason() == "torrents_loading"
        await watched.poll()
    # Killed, Deluge lost the torrent's resume data: it has it back paused, at 0 %. The
    # entities show what Deluge says now.
    (reported,) = (await hass.async_add_executor_job(server.torrents)).values()
    assert_back(watched, torrent_hash, state=reported["state"].lower(), progress=reported["progress"])
    assert watched.registry() == registry
    watched.assert_no_pile_up(fault_polls)


@pytest.mark.scenario(6)
async def test_daemon_frozen(hass: HomeAssistant, deluge_factory: DelugeFactory, watch: Watch) -> None:
    """SIGSTOP: the Web UI still thinks it is connected and every call it passes on hangs.

    Each poll ends at the client's request timeout: everything is unavailable after the first,
    each poll sends no more than one healthy poll does, and none of its requests outlives it.
    Once the daemon runs again the next poll shows everything as before.
    """
    watched, torrent_hash = await watched_server(hass, deluge_factory, watch, "frozen.bin")
    server = watched.server
    registry = watched.registry()
    assert server._daemon is not None
    daemon = server._daemon.pid

    os.killpg(daemon, signal.SIGSTOP)
    try:
        fault_polls = [await watched.poll_through_timeout()]
        watched.assert_unavailable("cannot_connect")
        fault_polls += [await watched.poll_through_timeout(), await watched.poll_through_timeout()]
        watched.assert_unavailable("cannot_connect")
        watched.assert_no_pile_up(fault_polls)
        assert "auth.login" not in [method for sent in fault_polls for method in sent]
    finally:
        os.killpg(daemon, signal.SIGCONT)

    await watched.poll()
    assert_back(watched, torrent_hash)
    assert watched.registry() == registry
    watched.assert_no_pile_up(fault_polls)
