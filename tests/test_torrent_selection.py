"""Which torrents get devices: all, active or none, and the cap (pure functions, no Deluge)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from custom_components.deluge_webapi.client import Torrent
from custom_components.deluge_webapi.const import TorrentEntities
from custom_components.deluge_webapi.torrent_selection import is_active, is_running, select_torrents


def torrent(number: int, **values: Any) -> Torrent:
    blank: dict[str, Any] = {field.name: None for field in fields(Torrent)}
    return Torrent(**blank | {"hash": f"{number:040x}", "state": "Seeding", "paused": False} | values)


def by_hash(*torrents: Torrent) -> dict[str, Torrent]:
    return {item.hash: item for item in torrents}


@pytest.mark.parametrize(
    ("state", "paused", "running"),
    [
        ("Seeding", False, True),
        ("Downloading", False, True),
        ("Paused", True, False),
        ("Queued", True, True),  # Deluge also sets paused while its queue holds a torrent back
        ("Paused", False, True),  # the whole session is paused: the torrent itself is not
        ("Paused", None, False),
        ("Seeding", None, True),
        (None, None, None),
    ],
)
def test_is_running(state: str | None, paused: bool | None, running: bool | None) -> None:
    assert is_running(torrent(1, state=state, paused=paused)) is running


@pytest.mark.parametrize(
    ("state", "paused", "session_paused", "active"),
    [
        ("Downloading", False, False, True),
        ("Seeding", False, False, True),
        ("Checking", False, False, True),
        ("Queued", True, False, True),
        ("Moving", False, False, True),
        ("Allocating", False, False, True),
        ("Paused", True, False, False),
        ("Error", False, False, False),
        ("Something new", False, False, False),
        ("Paused", False, True, True),  # session paused: Deluge shows every torrent Paused
        ("Paused", True, True, False),  # ... but this one the user paused
    ],
)
def test_is_active(state: str, paused: bool, session_paused: bool, active: bool) -> None:
    assert is_active(torrent(1, state=state, paused=paused), session_paused=session_paused) is active


def test_all_under_the_cap() -> None:
    torrents = by_hash(torrent(1), torrent(2, state="Paused", paused=True))

    assert select_torrents(torrents, mode=TorrentEntities.ALL, cap=100, session_paused=False) == set(torrents)


def test_cap_keeps_the_most_recently_added_ties_by_hash() -> None:
    torrents = by_hash(
        torrent(1, time_added=100.0),
        torrent(2, time_added=300.0),
        torrent(3, time_added=200.0),
        torrent(4, time_added=200.0),
        torrent(5),  # no time: the oldest
    )

    selected = select_torrents(torrents, mode=TorrentEntities.ALL, cap=2, session_paused=False)

    assert selected == {f"{2:040x}", f"{4:040x}"}


def test_active_with_cap() -> None:
    torrents = by_hash(
        torrent(1, time_added=100.0),
        torrent(2, time_added=300.0, state="Paused", paused=True),
        torrent(3, time_added=200.0, state="Downloading"),
        torrent(4, time_added=50.0, state="Error"),
    )

    selected = select_torrents(torrents, mode=TorrentEntities.ACTIVE, cap=1, session_paused=False)

    assert selected == {f"{3:040x}"}


@pytest.mark.parametrize(("mode", "cap"), [(TorrentEntities.NONE, 100), (TorrentEntities.ALL, 0)])
def test_none(mode: TorrentEntities, cap: int) -> None:
    assert select_torrents(by_hash(torrent(1)), mode=mode, cap=cap, session_paused=False) == set()
