"""A real ``hass`` process with its own configuration directory, started and stopped by us."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import os
from pathlib import Path
import signal
import subprocess
import sys
import time

import aiohttp

REPO_ROOT = Path(__file__).resolve().parents[2]
INTEGRATION_DIR = REPO_ROOT / "custom_components" / "deluge_webapi"

# What onboarding, the config flow, the registries and the dashboards need: ``frontend`` pulls in
# http, api, auth, config, lovelace, onboarding and websocket_api. No ``http:`` here: since 2026.10
# Home Assistant moves it to storage as a trial it reverts after five minutes unless a user confirms
# it; the port comes from SETUP_PORT instead (the default of a configuration directory without one).
MINIMAL_CONFIGURATION = """\
# Written by {writer}.
frontend:
logger:
  default: {log_level}
  logs:
    custom_components.deluge_webapi: debug
"""


def hass_binary() -> Path:
    """Return the ``hass`` of the virtual environment this Python runs in."""
    return Path(sys.executable).with_name("hass")


@dataclass
class HassProcess:
    """``hass -c config_dir`` serving on ``port``, with this integration linked in."""

    config_dir: Path
    port: int
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.config_dir / "home-assistant.log"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def write_config(self, *, writer: str, log_level: str = "warning") -> None:
        """Write a minimal configuration.yaml and link ``custom_components/deluge_webapi``.

        A configuration.yaml somebody edited (its first line is no longer ours) is kept.
        """
        self.config_dir.mkdir(parents=True, exist_ok=True)
        configuration = self.config_dir / "configuration.yaml"
        if not configuration.exists() or configuration.read_text().startswith("# Written by"):
            configuration.write_text(MINIMAL_CONFIGURATION.format(writer=writer, log_level=log_level))
        links = self.config_dir / "custom_components"
        links.mkdir(exist_ok=True)
        link = links / "deluge_webapi"
        if not link.is_symlink() and not link.exists():
            link.symlink_to(INTEGRATION_DIR, target_is_directory=True)

    def start(self) -> None:
        """Start ``hass``; its console output (this start's only) goes next to its log, as ``hass.out``."""
        with (self.config_dir / "hass.out").open("wb") as output:
            self._process = subprocess.Popen(
                [str(hass_binary()), "-c", str(self.config_dir), "--log-no-color"],
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, "SETUP_PORT": str(self.port)},
            )

    async def wait_until_serving(self, session: aiohttp.ClientSession, limit: float) -> None:
        """Until the HTTP server answers.

        Home Assistant starts serving once ``frontend`` (and so ``onboarding``) is set up: any
        answer means the onboarding views are in place, or gone for good (404, onboarded).
        """
        deadline = time.monotonic() + limit
        while True:
            if not self.running:
                raise RuntimeError(f"hass exited ({self.returncode}) before serving: see {self.log_file}")
            try:
                async with session.get(f"{self.url}/api/onboarding") as response:
                    if response.status in (200, 404):
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"hass did not serve {self.url} within {limit:.0f} s")
            await asyncio.sleep(0.5)

    def stop(self, timeout: float = 60) -> int | None:
        """Stop ``hass`` (SIGTERM to its process group, SIGKILL after ``timeout``); its exit code."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            except ProcessLookupError:
                pass
        # Anything hass started in its group (a pip install, say) goes with it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return process.returncode
