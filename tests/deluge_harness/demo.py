"""The local demo behind ``scripts/develop``: a real Deluge with demo torrents, then Home Assistant.

Run from the repository root inside the project's toolchain (``scripts/develop`` does that).
The demo torrents are in the states a Deluge user knows: seeding, paused, waiting for metadata,
downloading and queued. Everything is local: the data is made here and nothing is announced to
anybody (the tracker address is unreachable, DHT is off). ``--with-entry`` also onboards Home
Assistant and adds the integration through its HTTP API, so the dashboards are populated at once.
Ctrl-C stops Home Assistant and Deluge; nothing is left running.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
from pathlib import Path
import signal
import tempfile
import time
from types import FrameType
from typing import Any, Final

from tests.e2e.demo_home import DemoHome, prepare_demo_home
from tests.e2e.hass_process import HassProcess

from .server import DelugeServer
from .torrents import PIECE_LENGTH, make_torrent

REPO_ROOT = Path(__file__).resolve().parents[2]
DEVELOP_DIR = REPO_ROOT / ".develop"
DEMO_PASSWORD = "deluge-demo"

SEEDING: Final = "ubuntu-like-demo.iso"
PAUSED: Final = "holiday-photos.zip"
WAITING: Final = "waiting-for-metadata"
DOWNLOADING: Final = "conference-talks.mkv"
QUEUED: Final = "podcast-archive.tar"
# A magnet for data nobody serves here: it waits for metadata, as on a real network with no peers.
WAITING_MAGNET: Final = f"magnet:?xt=urn:btih:{'5' * 40}&dn={WAITING}"
# Deluge's default is 3 active downloads: with 2, the magnet and the half-done download run and
# the last one waits in the queue.
MAX_ACTIVE_DOWNLOADING: Final = 2
DEMO_TORRENT_SIZE: Final = 32 * PIECE_LENGTH  # 512 KiB
# The state each demo torrent settles in once Deluge has checked the local data.
DEMO_STATES: Final = {
    SEEDING: "Seeding",
    PAUSED: "Paused",
    WAITING: "Downloading",
    DOWNLOADING: "Downloading",
    QUEUED: "Queued",
}


class _StopRequestedError(Exception):
    """Raised by the signal handler to leave the wait loop."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    del signum, frame
    raise _StopRequestedError


def add_demo_torrents(server: DelugeServer) -> None:
    """Add the demo torrents Deluge does not have yet (in queue order); allow 2 active downloads."""
    server.call("core.set_config", {"max_active_downloading": MAX_ACTIVE_DOWNLOADING})
    present = {status["name"] for status in server.torrents().values()}
    download_dir = server.download_dir

    def add(source: bytes | str, **options: Any) -> None:
        if isinstance(source, bytes):
            source = base64.b64encode(source).decode()
        server.call("webapi.add_torrent", source, {"download_location": str(download_dir), **options})

    if SEEDING not in present:  # all of its data is here: checked, then seeding
        add(make_torrent(download_dir, SEEDING, DEMO_TORRENT_SIZE).metainfo)
    paused = None
    if PAUSED not in present:  # complete too: paused once checked, so that it shows 100 %
        paused = make_torrent(download_dir, PAUSED, DEMO_TORRENT_SIZE)
        add(paused.metainfo)
    if WAITING not in present:
        add(WAITING_MAGNET)
    if DOWNLOADING not in present:  # half of its data is here: 50 %, downloading from nobody
        torrent = make_torrent(download_dir, DOWNLOADING, DEMO_TORRENT_SIZE)
        with torrent.data_path.open("r+b") as data:
            data.seek(DEMO_TORRENT_SIZE // 2)
            data.write(bytes(DEMO_TORRENT_SIZE // 2))
        add(torrent.metainfo)
    if QUEUED not in present:  # none of its data is here, and two downloads are already active
        with tempfile.TemporaryDirectory() as elsewhere:
            add(make_torrent(Path(elsewhere), QUEUED, DEMO_TORRENT_SIZE).metainfo)
    if paused is not None:
        _wait_for_state(server, paused.info_hash, "Seeding")
        server.call("core.pause_torrents", [paused.info_hash])


def _wait_for_state(server: DelugeServer, torrent_hash: str, state: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while server.call("core.get_torrent_status", torrent_hash, ["state"]).get("state") != state:
        if time.monotonic() > deadline:
            raise RuntimeError(f"torrent {torrent_hash} did not reach {state}")
        time.sleep(0.2)


def wait_for_demo_states(server: DelugeServer, timeout: float = 30) -> dict[str, str]:
    """Until each demo torrent is in its demo state; return every torrent's state by name."""
    deadline = time.monotonic() + timeout
    while True:
        states = {status["name"]: status["state"] for status in server.torrents().values()}
        if all(states.get(name) == state for name, state in DEMO_STATES.items()):
            return states
        if time.monotonic() > deadline:
            raise RuntimeError(f"the demo torrents did not settle: {states}")
        time.sleep(0.5)


def _next_steps(server: DelugeServer, hass: HassProcess | None, home: DemoHome | None) -> str:
    lines = ["", "Ready.", f"  Deluge Web UI:   {server.url}   password: {DEMO_PASSWORD}"]
    if hass is not None and home is not None:
        lines.append(f"  Home Assistant:  {hass.url}")
        if home.login is not None:
            lines.append(f"    log in as:     {home.login.username}   password: {home.login.password}")
        elif not home.onboarded:
            lines.append("    1. Create your user (onboarding).")
        if home.login is not None and home.login.dashboard_path:
            lines.append(f"    dashboard:     {hass.url}/{home.login.dashboard_path}   (Deluge WebAPI added)")
        else:
            lines += [
                "    Settings -> Devices & services -> Add integration -> Deluge WebAPI, with",
                f"      host: {server.url}   password: {DEMO_PASSWORD}",
                "    (scripts/develop --with-entry does all of it at once, in a fresh .develop/config)",
            ]
        lines.append(f"  Home Assistant's log: {hass.log_file}")
    lines += ["  Ctrl-C stops everything.", ""]
    return "\n".join(lines)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/develop", description=__doc__)
    parser.add_argument("--web-port", type=int, default=int(os.environ.get("DELUGE_WEB_PORT", "18112")))
    parser.add_argument("--daemon-port", type=int, default=int(os.environ.get("DELUGE_DAEMON_PORT", "18846")))
    parser.add_argument(
        "--hass-port", type=int, default=8123, help="Home Assistant's port (for a fresh .develop/config)"
    )
    parser.add_argument("--no-hass", action="store_true", help="start only Deluge")
    parser.add_argument(
        "--with-entry",
        action="store_true",
        help="onboard Home Assistant (user 'demo') and add the integration, with an example dashboard",
    )
    args = parser.parse_args()
    args.config_dir = DEVELOP_DIR / "config"
    return args


def main() -> None:
    args = _parse_args()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_stop)

    server = DelugeServer(
        DEVELOP_DIR / "deluge",
        password=DEMO_PASSWORD,
        daemon_port=args.daemon_port,
        web_port=args.web_port,
        listen_port=args.daemon_port + 1,
    )
    hass: HassProcess | None = None
    try:
        server.start()
        add_demo_torrents(server)
        print(f"Deluge is up: {server.url} (password: {DEMO_PASSWORD})", flush=True)
        home: DemoHome | None = None
        if not args.no_hass:
            hass = HassProcess(args.config_dir, args.hass_port)
            hass.write_config(writer="scripts/develop", log_level="info")
            hass.start()
            print(f"Starting Home Assistant on {hass.url} (about a minute; log: {hass.log_file})", flush=True)
            home = asyncio.run(
                prepare_demo_home(
                    hass, deluge_url=server.url, deluge_password=DEMO_PASSWORD, add_entry=args.with_entry
                )
            )
        print(_next_steps(server, hass, home), flush=True)
        while hass is None or hass.running:
            time.sleep(0.5)
        print(f"Home Assistant exited ({hass.returncode}): see {hass.log_file}", flush=True)
    except _StopRequestedError:
        print("\nstopping...", flush=True)
    finally:
        if hass is not None:
            hass.stop()
        server.stop()


if __name__ == "__main__":
    main()
