"""Scenarios 7 and 8: a server that never answers or answers slowly; garbage and a proxy's error pages.

The counting proxy plays the broken server in front of a real Deluge that stays healthy, so
recovery is checked against the real thing as soon as the proxy forwards again.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest

from tests.deluge_harness import DelugeServer

from .conftest import Watch
from .helpers import SHORT_TIMEOUT, Watched
from .proxy import Fault


async def watched_steady(watch: Watch, steady_deluge: tuple[DelugeServer, str]) -> Watched:
    watched = await watch(steady_deluge[0])
    watched.entry.runtime_data.client.request_timeout = SHORT_TIMEOUT
    return watched


def assert_healthy(watched: Watched, torrent_hash: str) -> None:
    watched.assert_available()
    assert watched.state("torrents") == "1"
    assert watched.state("state", torrent_hash) == "seeding"
    assert watched.state("progress", torrent_hash) == "100.0"
    assert watched.issues() == set()
    assert watched.reauth_flows() == []


@pytest.mark.scenario(7)
async def test_server_never_answers(
    hass: HomeAssistant, watch: Watch, steady_deluge: tuple[DelugeServer, str]
) -> None:
    """Accepts every request and never answers: each poll ends at the timeout, nothing piles up."""
    watched = await watched_steady(watch, steady_deluge)
    torrent_hash = steady_deluge[1]
    registry = watched.registry()

    watched.proxy.fault = Fault.HANG
    fault_polls = [await watched.poll_through_timeout()]
    watched.assert_unavailable("cannot_connect")
    fault_polls += [await watched.poll_through_timeout(), await watched.poll_through_timeout()]
    watched.assert_unavailable("cannot_connect")
    watched.assert_no_pile_up(fault_polls)
    assert all(sent for sent in fault_polls)

    watched.proxy.fault = Fault.NONE
    await watched.poll()
    assert_healthy(watched, torrent_hash)
    assert watched.registry() == registry
    watched.assert_no_pile_up(fault_polls)


@pytest.mark.scenario(7)
async def test_server_answers_slowly(
    hass: HomeAssistant, watch: Watch, steady_deluge: tuple[DelugeServer, str]
) -> None:
    """Slow but within the timeout: invisible. Slower than the timeout: unavailable, then back.

    The frozen clock stands still while the proxy holds an answer for real time, so a slow
    answer arrives "within" the timeout; the timeout is then made to pass while answers are held.
    """
    watched = await watched_steady(watch, steady_deluge)
    torrent_hash = steady_deluge[1]
    registry = watched.registry()

    watched.proxy.fault = Fault.SLOW
    watched.proxy.delay = 0.3
    slow_polls = [await watched.poll(), await watched.poll()]
    assert_healthy(watched, torrent_hash)
    assert [len(sent) for sent in slow_polls] == [watched.one_poll] * 2
    assert all(request.status == 200 for request in watched.proxy.requests[-watched.one_poll :])

    watched.proxy.delay = 60.0  # far beyond the client's timeout
    fault_polls = [await watched.poll_through_timeout(), await watched.poll_through_timeout()]
    watched.assert_unavailable("cannot_connect")
    watched.assert_no_pile_up(slow_polls + fault_polls)

    watched.proxy.fault = Fault.NONE
    await watched.poll()
    assert_healthy(watched, torrent_hash)
    assert watched.registry() == registry


@pytest.mark.scenario(8)
@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault.GARBAGE, "invalid_response"),
        (Fault.BAD_GATEWAY, "cannot_connect"),
        (Fault.LOGIN_PAGE, "invalid_response"),
    ],
)
async def test_proxy_answers_garbage_or_an_error_page(
    hass: HomeAssistant,
    watch: Watch,
    steady_deluge: tuple[DelugeServer, str],
    fault: Fault,
    reason: str,
) -> None:
    """Garbage, an HTML 502 page, an HTML 401 sign-in page: unavailable, then back, in one poll.

    No retries pile up, and there is no reauthentication: the proxy's 401 is not Deluge refusing
    the password.
    """
    watched = await watched_steady(watch, steady_deluge)
    torrent_hash = steady_deluge[1]
    registry = watched.registry()

    watched.proxy.fault = fault
    fault_polls = [await watched.poll()]
    watched.assert_unavailable(reason)
    fault_polls += [await watched.poll(), await watched.poll()]
    watched.assert_unavailable(reason)
    watched.assert_no_pile_up(fault_polls)
    assert "auth.login" not in [method for sent in fault_polls for method in sent]
    assert watched.reauth_flows() == []

    watched.proxy.fault = Fault.NONE
    await watched.poll()
    assert_healthy(watched, torrent_hash)
    assert watched.registry() == registry
    watched.assert_no_pile_up(fault_polls)
