"""A real Deluge (daemon, web UI and the WebAPI plugin) on free loopback ports.

Used by the test fixtures and by ``scripts/develop``. Deluge runs from its own virtual
environment (``scripts/setup`` makes it); this module only writes its configuration, starts and
stops its processes, and offers a small synchronous JSON-RPC client for checking what Deluge
really did, independent of the integration's own client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import hashlib
import http.cookiejar
import itertools
import json
import os
from pathlib import Path
import secrets
import shutil
import signal
import socket
import subprocess
import time
from typing import Any
import urllib.request

from .paths import deluge_bin, webapi_egg

START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Deluge exited early ({process.returncode}):\n{log.read_text()[-3000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} did not open in {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


def _write_config(path: Path, file_version: int, data: dict[str, Any]) -> None:
    header = json.dumps({"file": file_version, "format": 1})
    path.write_text(header + json.dumps(data, indent=2))


class DelugeRpcError(Exception):
    """Deluge answered a harness call with an error object."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.code = error.get("code")


@dataclass
class DelugeServer:
    """One Deluge: a daemon and a web UI, configured in ``root``."""

    root: Path
    password: str = "deluge"
    webapi_enabled: bool = True
    label_enabled: bool = True
    web_connects_on_start: bool = True
    web_https: bool = False
    daemon_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    listen_port: int = field(default_factory=free_port)
    host_id: str = field(default_factory=lambda: secrets.token_hex(20))
    _daemon: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _web: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _opener: urllib.request.OpenerDirector | None = field(default=None, repr=False)
    _ids: itertools.count[int] = field(default_factory=itertools.count, repr=False)

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @property
    def download_dir(self) -> Path:
        return self.root / "downloads"

    @property
    def url(self) -> str:
        scheme = "https" if self.web_https else "http"
        return f"{scheme}://127.0.0.1:{self.web_port}"

    # Configuration

    def write_config(self) -> None:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.download_dir.mkdir(parents=True, exist_ok=True)
        plugins = self.config_dir / "plugins"
        plugins.mkdir(exist_ok=True)
        egg = webapi_egg()
        shutil.copyfile(egg, plugins / egg.name)
        secret = secrets.token_hex(16)
        (self.config_dir / "auth").write_text(f"localclient:{secret}:10\n")
        enabled = [
            name for name, on in (("WebAPI", self.webapi_enabled), ("Label", self.label_enabled)) if on
        ]
        _write_config(
            self.config_dir / "core.conf",
            1,
            {
                "download_location": str(self.download_dir),
                "move_completed_path": str(self.download_dir),
                "torrentfiles_location": str(self.download_dir),
                "listen_interface": "127.0.0.1",
                "outgoing_interface": "",
                "listen_ports": [self.listen_port, self.listen_port],
                "random_port": False,
                "daemon_port": self.daemon_port,
                "allow_remote": False,
                "dht": False,
                "upnp": False,
                "natpmp": False,
                "lsd": False,
                "utpex": False,
                "new_release_check": False,
                "send_info": False,
                "enabled_plugins": enabled,
            },
        )
        salt = secrets.token_hex(20)
        _write_config(
            self.config_dir / "web.conf",
            2,
            {
                "port": self.web_port,
                "interface": "127.0.0.1",
                "pwd_salt": salt,
                "pwd_sha1": hashlib.sha1((salt + self.password).encode()).hexdigest(),  # noqa: S324
                "default_daemon": self.host_id if self.web_connects_on_start else "",
                "first_login": False,
                "https": self.web_https,
                "pkey": "ssl/daemon.pkey",
                "cert": "ssl/daemon.cert",
                "enabled_plugins": [],
            },
        )
        _write_config(
            self.config_dir / "hostlist.conf",
            3,
            {"hosts": [[self.host_id, "127.0.0.1", self.daemon_port, "localclient", secret]]},
        )

    # Processes

    def _spawn(self, program: str, *args: str) -> subprocess.Popen[bytes]:
        log = self.root / f"{program}.log"
        with log.open("ab") as output:
            return subprocess.Popen(
                [str(deluge_bin(program)), "-c", str(self.config_dir), "-d", "-L", "info", *args],
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def start(self) -> DelugeServer:
        if not (self.config_dir / "core.conf").exists():
            self.write_config()
        self.start_daemon()
        self.start_web()
        return self

    def start_daemon(self) -> None:
        self._daemon = self._spawn("deluged", "-u", "127.0.0.1", "-p", str(self.daemon_port))
        _wait_for_port(self.daemon_port, self._daemon, self.root / "deluged.log")

    def start_web(self) -> None:
        self._web = self._spawn("deluge-web", "-i", "127.0.0.1", "-p", str(self.web_port))
        _wait_for_port(self.web_port, self._web, self.root / "deluge-web.log")
        self._opener = None
        if self.web_connects_on_start and self.daemon_running:
            self.wait_until_ready()

    @property
    def daemon_running(self) -> bool:
        return self._daemon is not None and self._daemon.poll() is None

    def stop_daemon(self, sig: signal.Signals = signal.SIGTERM) -> None:
        _stop(self._daemon, sig)
        self._daemon = None

    def stop_web(self) -> None:
        _stop(self._web, signal.SIGTERM)
        self._web = None

    def restart_daemon(self) -> None:
        self.stop_daemon()
        self.start_daemon()

    def restart_web(self) -> None:
        self.stop_web()
        self.start_web()

    def stop(self) -> None:
        self.stop_web()
        self.stop_daemon()

    def wait_until_ready(self) -> None:
        """Until the web UI is attached to the daemon (and WebAPI answers, when enabled)."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if self.call("web.connected"):
                    # The daemon's methods register a moment after web.connected turns true.
                    self.call("daemon.get_version")
                    if self.webapi_enabled:
                        self.call("webapi.get_api_version")
                    return
            except (DelugeRpcError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Deluge web UI on {self.url} did not become ready")
            time.sleep(0.1)

    # A JSON-RPC client for the tests' own checks

    def call(self, method: str, *params: Any, timeout: float = 10.0) -> Any:
        if self._opener is None:
            self._opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                urllib.request.HTTPSHandler(context=_unverified_context()),
            )
            self._raw_call("auth.login", [self.password], timeout)
        return self._raw_call(method, list(params), timeout)

    def _raw_call(self, method: str, params: list[Any], timeout: float) -> Any:
        assert self._opener is not None
        body = json.dumps({"id": next(self._ids), "method": method, "params": params}).encode()
        request = urllib.request.Request(
            f"{self.url}/json", data=body, headers={"Content-Type": "application/json"}
        )
        with self._opener.open(request, timeout=timeout) as response:
            answer = json.loads(response.read())
        if answer.get("error"):
            raise DelugeRpcError(answer["error"])
        return answer["result"]

    def torrents(self) -> dict[str, dict[str, Any]]:
        """Every torrent Deluge has, keyed by hash, straight from the daemon."""
        result: dict[str, dict[str, Any]] = self.call(
            "core.get_torrents_status", {}, ["name", "state", "progress", "paused", "label", "save_path"]
        )
        return result


def _unverified_context() -> Any:
    import ssl  # noqa: PLC0415

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _stop(process: subprocess.Popen[bytes] | None, sig: signal.Signals) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass
