"""Scenarios 1 and 2: deluge-web restarted, deluged restarted (the Web UI loses its daemon)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest

from custom_components.deluge_webapi.issues import DelugeIssue, issue_id
from tests.conftest import DelugeFactory
from tests.deluge_harness import DelugeServer
from tests.integration_helpers import add_torrent, wait_for_web_state

from .conftest import Watch
from .helpers import Watched, wait_seeding


async def seeding_server(
    hass: HomeAssistant, deluge_factory: DelugeFactory, name: str
) -> tuple[DelugeServer, str]:
    """A Deluge of the test's own with one torrent, seeding."""
    server = deluge_factory()
    torrent = await add_torrent(hass, server, name)
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    return server, torrent.info_hash


def assert_shows_one_seeding_torrent(watched: Watched, torrent_hash: str) -> None:
    watched.assert_available()
    assert watched.state("torrents") == "1"
    assert watched.state("torrents_seeding") == "1"
    assert watched.state("state", torrent_hash) == "seeding"
    assert watched.state("progress", torrent_hash) == "100.0"
    assert watched.state("downloads", domain="switch") == "on"


@pytest.mark.scenario(1)
async def test_web_ui_restarted(hass: HomeAssistant, deluge_factory: DelugeFactory, watch: Watch) -> None:
    """deluge-web restarted: invisible between two polls; across polls unavailable, then back in one.

    Deluge keeps web sessions across a restart, so no new login is needed (at most one is allowed),
    and the dropped keep-alive connections cost no failed poll.
    """
    server, torrent_hash = await seeding_server(hass, deluge_factory, "web-restart.bin")
    watched = await watch(server)
    assert_shows_one_seeding_torrent(watched, torrent_hash)
    registry = watched.registry()

    # Restarted between two polls: nobody notices.
    await hass.async_add_executor_job(server.restart_web)
    await watched.poll()
    assert_shows_one_seeding_torrent(watched, torrent_hash)

    # Down across polls: unavailable within one poll, and the polls do not pile up.
    await hass.async_add_executor_job(server.stop_web)
    fault_polls = [await watched.poll()]
    watched.assert_unavailable("cannot_connect")
    fault_polls += [await watched.poll(), await watched.poll()]
    watched.assert_unavailable("cannot_connect")
    watched.assert_no_pile_up(fault_polls)

    await hass.async_add_executor_job(server.start_web)
    await watched.poll()
    assert_shows_one_seeding_torrent(watched, torrent_hash)
    assert watched.registry() == registry
    assert watched.reauth_flows() == []
    assert watched.proxy.methods().count("auth.login") <= 2  # the set-up's, and at most one more


@pytest.mark.scenario(2)
async def test_daemon_restarted(hass: HomeAssistant, deluge_factory: DelugeFactory, watch: Watch) -> None:
    """Deluged restarted: the Web UI loses its daemon; the integration reattaches it.

    While the daemon is down every entity is unavailable. Once it is back, the next poll
    reattaches the Web UI; the Web UI then needs a moment to load its torrent list from the
    daemon, during which a poll may fail as ``torrents_loading`` (never showing the torrents as
    gone). Once the Web UI lists them again, the next poll shows everything as before.
    """
    server, torrent_hash = await seeding_server(hass, deluge_factory, "daemon-restart.bin")
    watched = await watch(server)
    registry = watched.registry()

    await hass.async_add_executor_job(server.stop_daemon)
    fault_polls = [await watched.poll()]
    watched.assert_unavailable("daemon_not_connected")
    assert watched.issues() == {issue_id(DelugeIssue.DAEMON_NOT_CONNECTED, watched.entry.entry_id)}
    fault_polls += [await watched.poll(), await watched.poll()]
    watched.assert_unavailable("daemon_not_connected")
    watched.assert_no_pile_up(fault_polls)

    await hass.async_add_executor_job(server.start_daemon)
    sent = await watched.poll()
    assert "web.connect" in sent  # reattached by the integration, not by anyone else
    if not watched.coordinator.last_update_success:
        assert watched.failure_reason() == "torrents_loading"
        watched.assert_unavailable()

        await wait_seeding(hass, server, torrent_hash)
        await watched.poll()
    assert_shows_one_seeding_torrent(watched, torrent_hash)
    assert watched.issues() == set()
    assert watched.registry() == registry
    assert watched.reauth_flows() == []
    watched.assert_no_pile_up(fault_polls)  # over the whole test, recovery included
