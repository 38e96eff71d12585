"""A real Deluge for benchmarks/poll.py, filled with real v1 torrents made from small local files."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
import time

from tests.deluge_harness import DelugeServer, make_torrent

DATA_SIZE = 16 * 1024
IN_FLIGHT = 8  # webapi.add_torrent calls at once
SEEDING_TIMEOUT = 180.0


def fill(server: DelugeServer, count: int) -> None:
    """Add torrents until Deluge has ``count``, then wait until every one seeds.

    Each torrent is made from a file of its own that is already in the download folder, so it
    checks and seeds at once; ``auto_managed: False`` keeps Deluge's queue from holding any back.
    """
    have = len(server.call("core.get_session_state"))
    options = {"download_location": str(server.download_dir), "auto_managed": False}

    def add(index: int) -> None:
        torrent = make_torrent(server.download_dir, f"bench-{index:05}.bin", DATA_SIZE, seed=index)
        metainfo = base64.b64encode(torrent.metainfo).decode()
        assert server.call("webapi.add_torrent", metainfo, options) == torrent.info_hash

    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        list(pool.map(add, range(have, count)))
    wait_until_seeding(server, count)


def wait_until_seeding(server: DelugeServer, count: int) -> None:
    """Wait until the Web UI lists ``count`` torrents, all seeding at 100 %."""
    deadline = time.monotonic() + SEEDING_TIMEOUT
    while True:
        listed = server.call("webapi.get_torrents", None, ["hash", "state", "progress"])["torrents"]
        if len(listed) == count and all(
            torrent["state"] == "Seeding" and torrent["progress"] == 100.0  # noqa: PLR2004
            for torrent in listed
        ):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} torrents did not all seed within {SEEDING_TIMEOUT:g} s")
        time.sleep(0.25)


def daemon_credentials(server: DelugeServer) -> tuple[str, str]:
    """Return the daemon's ``localclient`` user and password, from the config dir's ``auth`` file."""
    for line in (server.config_dir / "auth").read_text().splitlines():
        user, password, _level = line.split(":")
        if user == "localclient":
            return user, password
    raise RuntimeError("no localclient line in Deluge's auth file")
