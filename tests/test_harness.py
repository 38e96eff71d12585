"""The real Deluge the suite relies on: daemon, web UI and WebAPI plugin, all answering."""

from __future__ import annotations

import base64
from collections.abc import Callable
import time

from tests.deluge_harness import DelugeServer, make_torrent


def test_real_deluge_serves_webapi(deluge: DelugeServer) -> None:
    assert deluge.call("webapi.get_api_version") == "0.4.0"
    assert deluge.call("web.connected") is True
    assert deluge.call("daemon.get_version").startswith("2.")


def test_torrent_made_from_local_data_seeds(deluge_factory: Callable[..., DelugeServer]) -> None:
    server = deluge_factory()
    torrent = make_torrent(server.download_dir, "seeded.bin")

    torrent_id = server.call("webapi.add_torrent", base64.b64encode(torrent.metainfo).decode(), {})

    assert torrent_id == torrent.info_hash
    deadline = time.monotonic() + 20
    while server.torrents()[torrent_id]["state"] != "Seeding":
        assert time.monotonic() < deadline, server.torrents()
        time.sleep(0.1)
    assert server.torrents()[torrent_id]["progress"] == 100.0
