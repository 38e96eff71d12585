"""``scripts/develop --with-entry``: an onboarded Home Assistant with the integration and a dashboard.

Everything goes through Home Assistant's public HTTP and websocket APIs, as the frontend would:
onboarding creates the user ``demo`` (its password is made up once and kept, readable only by its
owner, in the configuration directory); the config flow adds the demo Deluge; the example
dashboard is installed. A configuration directory somebody onboarded by hand is left alone.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json
import os
import secrets
import sys
import time
from typing import Final

import aiohttp

from .dashboard import install_dashboard, load_example, name_server_device, server_device
from .ha_api import HomeAssistantApi, HomeAssistantApiError, HomeAssistantWebSocket
from .hass_process import HassProcess

DOMAIN: Final = "deluge_webapi"
LOGIN_FILE: Final = "demo-login.json"
DEMO_USERNAME: Final = "demo"
START_TIMEOUT: Final = 300.0  # the first start installs the frontend from PyPI


@dataclass(frozen=True)
class DemoLogin:
    """The demo user, and the example dashboard's path once it is installed."""

    username: str
    password: str
    dashboard_path: str


@dataclass(frozen=True)
class DemoHome:
    """What the demo's next steps tell: whether to onboard, and how to log in."""

    onboarded: bool
    login: DemoLogin | None


class DemoHomeError(Exception):
    """The demo cannot prepare this Home Assistant."""


async def wait_until_running(api: HomeAssistantApi, limit: float = START_TIMEOUT) -> None:
    """Until Home Assistant reports that its start-up finished."""
    deadline = time.monotonic() + limit
    while (await api.request("GET", "/api/config"))["state"] != "RUNNING":
        if time.monotonic() > deadline:
            raise TimeoutError(f"Home Assistant did not finish starting within {limit:.0f} s")
        await asyncio.sleep(1)


async def add_integration(api: HomeAssistantApi, host: str, password: str) -> str:
    """Add Deluge WebAPI through the config flow; return the new entry's id."""
    flow = await api.start_config_flow(DOMAIN)
    result = await api.submit_config_flow(
        flow["flow_id"], {"host": host, "password": password, "verify_ssl": True}
    )
    if result.get("type") != "create_entry":
        raise DemoHomeError(f"the config flow did not create an entry: {result.get('errors')}")
    entry_id: str = result["result"]["entry_id"]
    return entry_id


async def wait_for_server_device(ws: HomeAssistantWebSocket, entry_id: str, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while await server_device(ws, entry_id) is None:
        if time.monotonic() > deadline:
            raise DemoHomeError("the Deluge server's device did not appear")
        await asyncio.sleep(0.5)


def _read_login(hass: HassProcess) -> DemoLogin | None:
    path = hass.config_dir / LOGIN_FILE
    if not path.exists():
        return None
    stored = json.loads(path.read_text())
    return DemoLogin(stored["username"], stored["password"], stored["dashboard_path"])


def _write_login(hass: HassProcess, login: DemoLogin) -> None:
    path = hass.config_dir / LOGIN_FILE
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as stored:
        json.dump(login.__dict__, stored)


async def prepare_demo_home(
    hass: HassProcess, *, deluge_url: str, deluge_password: str, add_entry: bool
) -> DemoHome:
    """Wait until Home Assistant serves; with ``add_entry``, set up the demo as described above.

    Problems that leave Home Assistant usable by hand are printed, not raised.
    """
    async with aiohttp.ClientSession() as session:
        await hass.wait_until_serving(session, START_TIMEOUT)
        api = HomeAssistantApi(session, hass.url)
        onboarded = await api.onboarding_done()
        login = _read_login(hass)
        if add_entry:
            try:
                login = await _set_up(api, hass, login, deluge_url, deluge_password)
            except (DemoHomeError, HomeAssistantApiError) as err:
                sys.stdout.write(f"--with-entry: {err}\n")
            onboarded = await api.onboarding_done()
        return DemoHome(onboarded=onboarded, login=login if onboarded else None)


async def _set_up(
    api: HomeAssistantApi, hass: HassProcess, login: DemoLogin | None, deluge_url: str, deluge_password: str
) -> DemoLogin:
    if not await api.onboarding_done():
        if login is None:
            login = DemoLogin(DEMO_USERNAME, secrets.token_urlsafe(9), "")
        await api.onboard(name="Demo", username=login.username, password=login.password)
        _write_login(hass, login)
    elif login is None:
        raise DemoHomeError(
            f"{hass.config_dir} was onboarded by hand: add the integration there yourself,"
            " or delete the directory for a fresh demo"
        )
    else:
        await api.login(login.username, login.password)
    await wait_until_running(api)
    if not await api.config_entries(DOMAIN):
        entry_id = await add_integration(api, deluge_url, deluge_password)
        async with await api.websocket() as ws:
            await wait_for_server_device(ws, entry_id)
            await name_server_device(ws, entry_id)
            path = await install_dashboard(ws, load_example())
        login = DemoLogin(login.username, login.password, path)
        _write_login(hass, login)
    return login
