"""Which torrents get a device and entities of their own (options ``torrent_entities`` and the cap).

- ``all``: every torrent.
- ``active``: a torrent that is running and busy. Running means not paused by a user: Deluge
  sets ``paused`` for a user-paused torrent and also for one its queue holds back (state
  Queued), so a Queued torrent counts as running. Busy means its state is one of
  ``ACTIVE_STATES``. While the whole session is paused Deluge reports every torrent as
  "Paused", so then a running torrent in state Paused is still active: pausing the session
  with the Downloads switch does not take every torrent's device away.
- ``none``: no torrent.

Beyond ``max_torrent_entities`` the most recently added torrents (``time_added``, whole
seconds) win, ties going to the higher hash so that the choice is the same on every poll; the
rest still count in the totals. Work per poll is one pass over the torrents, plus a heap of
at most the cap when there are more candidates than that.
"""

from __future__ import annotations

from collections.abc import Mapping
import heapq
from typing import Final

from .client import Torrent
from .const import TorrentEntities

ACTIVE_STATES: Final = frozenset({"Downloading", "Seeding", "Checking", "Queued", "Moving", "Allocating"})
_PAUSED: Final = "Paused"
_QUEUED: Final = "Queued"


def is_running(torrent: Torrent) -> bool | None:
    """Return whether a torrent is not paused by a user; None when Deluge did not say."""
    if torrent.paused is not None:
        return not torrent.paused or torrent.state == _QUEUED
    if torrent.state is None:
        return None
    return torrent.state != _PAUSED


def is_active(torrent: Torrent, *, session_paused: bool) -> bool:
    """Return whether a torrent is running and busy (see the module's description)."""
    if not is_running(torrent):
        return False
    return torrent.state in ACTIVE_STATES or (session_paused and torrent.state == _PAUSED)


def _recency(torrent: Torrent) -> tuple[float, str]:
    return (torrent.time_added or 0.0, torrent.hash)


def select_torrents(
    torrents: Mapping[str, Torrent], *, mode: TorrentEntities, cap: int, session_paused: bool
) -> set[str]:
    """Return the hashes of the torrents that get entities."""
    if mode == TorrentEntities.NONE or cap <= 0:
        return set()
    if mode == TorrentEntities.ACTIVE:
        candidates = [
            torrent for torrent in torrents.values() if is_active(torrent, session_paused=session_paused)
        ]
        if len(candidates) <= cap:
            return {torrent.hash for torrent in candidates}
        return {torrent.hash for torrent in heapq.nlargest(cap, candidates, key=_recency)}
    if len(torrents) <= cap:
        return set(torrents)
    return {torrent.hash for torrent in heapq.nlargest(cap, torrents.values(), key=_recency)}
