"""The local demo behind ``scripts/develop``: a real Deluge with demo torrents, then Home Assistant.

Run from the repository root inside the project's toolchain (``scripts/develop`` does that).
Ctrl-C stops Home Assistant and Deluge; nothing is left running.
"""

from __future__ import annotations

import argparse
import base64
import os
from pathlib import Path
import signal
import subprocess
import sys
import time
from types import FrameType

from .server import DelugeServer
from .torrents import make_torrent

REPO_ROOT = Path(__file__).resolve().parents[2]
DEVELOP_DIR = REPO_ROOT / ".develop"
DEMO_PASSWORD = "deluge-demo"
# A magnet for data nobody serves here: it waits for metadata, as on a real network with no peers.
WAITING_MAGNET = "magnet:?xt=urn:btih:{}&dn=waiting-for-metadata".format("5" * 40)

CONFIGURATION_YAML = """\
# Written by scripts/develop. Home Assistant with its frontend and this integration's debug log.
frontend:
config:
logger:
  default: info
  logs:
    custom_components.deluge_webapi: debug
"""


class _StopRequestedError(Exception):
    """Raised by the signal handler to leave the wait loop."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    del signum, frame
    raise _StopRequestedError


def add_demo_torrents(server: DelugeServer) -> None:
    """Seeding from local data, a paused one, and a magnet waiting for metadata (first run only)."""
    if server.torrents():
        return
    seeding = make_torrent(server.download_dir, "ubuntu-like-demo.iso", 512 * 1024)
    paused = make_torrent(server.download_dir, "holiday-photos.zip", 256 * 1024)
    options = {"download_location": str(server.download_dir)}
    server.call("webapi.add_torrent", base64.b64encode(seeding.metainfo).decode(), options)
    server.call(
        "webapi.add_torrent", base64.b64encode(paused.metainfo).decode(), {**options, "add_paused": True}
    )
    server.call("webapi.add_torrent", WAITING_MAGNET, options)


def prepare_hass_config(config_dir: Path) -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    configuration = config_dir / "configuration.yaml"
    if not configuration.exists():
        configuration.write_text(CONFIGURATION_YAML)
    links = config_dir / "custom_components"
    links.mkdir(exist_ok=True)
    link = links / "deluge_webapi"
    if not link.exists():
        link.symlink_to(REPO_ROOT / "custom_components" / "deluge_webapi", target_is_directory=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--web-port", type=int, default=int(os.environ.get("DELUGE_WEB_PORT", "18112")))
    parser.add_argument("--daemon-port", type=int, default=int(os.environ.get("DELUGE_DAEMON_PORT", "18846")))
    parser.add_argument("--hass-port", type=int, default=8123)
    parser.add_argument("--no-hass", action="store_true", help="start only Deluge")
    args = parser.parse_args()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_stop)

    server = DelugeServer(
        DEVELOP_DIR / "deluge",
        password=DEMO_PASSWORD,
        daemon_port=args.daemon_port,
        web_port=args.web_port,
        listen_port=args.daemon_port + 1,
    )
    hass: subprocess.Popen[bytes] | None = None
    try:
        server.start()
        add_demo_torrents(server)
        print(f"\nDeluge Web UI: {server.url}  password: {DEMO_PASSWORD}", flush=True)
        if not args.no_hass:
            config_dir = DEVELOP_DIR / "config"
            prepare_hass_config(config_dir)
            hass = subprocess.Popen(
                [str(Path(sys.executable).with_name("hass")), "-c", str(config_dir)],
                start_new_session=True,
            )
            print(
                f"Home Assistant: http://127.0.0.1:{args.hass_port}"
                f" (log: {config_dir / 'home-assistant.log'})\n"
                "Add the integration 'Deluge WebAPI' with:\n"
                f"  host:     {server.url}\n  password: {DEMO_PASSWORD}\n"
                "Ctrl-C stops everything.",
                flush=True,
            )
        while hass is None or hass.poll() is None:
            time.sleep(0.5)
    except _StopRequestedError:
        print("\nstopping...", flush=True)
    finally:
        if hass is not None and hass.poll() is None:
            hass.send_signal(signal.SIGTERM)
            try:
                hass.wait(timeout=60)
            except subprocess.TimeoutExpired:
                hass.kill()
        server.stop()


if __name__ == "__main__":
    main()
