"""The first-use check behind ``scripts/first_use_check``: the product as a new user meets it.

A real Deluge (with the demo torrents) and a real ``hass`` with a fresh configuration directory,
both on free ports; onboarding, the config flow, the entities, an action, a switch, the
example dashboard in headless Chromium, and removing the entry, all through Home Assistant's
HTTP and websocket APIs as its frontend uses them. One PASS/FAIL line per step, a summary line,
and exit status 1 on any failure. Nothing is left running.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
import shutil
import socket
import sys
import tempfile
import time
from typing import Any, Final

import aiohttp

from tests.deluge_harness import DelugeServer, free_port, make_torrent
from tests.deluge_harness.demo import DEMO_STATES, SEEDING, add_demo_torrents, wait_for_demo_states

from .browser import BrowserPage
from .dashboard import (
    EXAMPLE_YAML,
    entity_ids,
    install_dashboard,
    load_example,
    name_server_device,
    server_device,
)
from .demo_home import DOMAIN, wait_until_running
from .ha_api import HomeAssistantApi, HomeAssistantWebSocket, JsonObject
from .hass_process import REPO_ROOT, HassProcess

WORK_ROOT: Final = REPO_ROOT / ".develop" / "first-use-check"
LATEST_SCREENSHOT: Final = WORK_ROOT / "dashboard.png"
DEFAULT_BUDGET: Final = 360.0
HASS_START_TIMEOUT: Final = 300.0  # the very first start installs the frontend from PyPI
DELUGE_PASSWORD: Final = 'first-use "check" pässword'  # quotes and non-ASCII on purpose
WRONG_PASSWORD: Final = "not-the-password"
OWNER: Final = {"name": "First Use", "username": "firstuse", "password": "first-use-check-owner"}
ADDED_TORRENT: Final = "added-by-action.iso"


class CheckFailedError(Exception):
    """A step saw something other than what a user should see."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailedError(message)


async def poll[T](probe: Callable[[], Awaitable[T | None]], what: str, limit: float = 30) -> T:
    """Call ``probe`` until it returns something other than None or False."""
    deadline = time.monotonic() + limit
    while True:
        if result := await probe():
            return result
        if time.monotonic() > deadline:
            raise CheckFailedError(f"timed out after {limit:.0f} s waiting for {what}")
        await asyncio.sleep(0.5)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@dataclass
class Run:
    """What the steps share."""

    work_dir: Path
    devtools_port: int | None
    save_screenshot: Path | None
    dashboard_yaml: Path
    session: aiohttp.ClientSession
    server: DelugeServer
    hass: HassProcess
    api: HomeAssistantApi
    ws: HomeAssistantWebSocket | None = None
    entry_id: str = ""
    hashes: dict[str, str] = field(default_factory=dict)  # torrent name -> hash
    entity_ids: set[str] = field(default_factory=set)  # every entity of the entry
    failed: bool = False  # a step failed: the rest is skipped, then everything is stopped

    @property
    def websocket(self) -> HomeAssistantWebSocket:
        assert self.ws is not None
        return self.ws

    async def deluge(self, method: str, *args: Any) -> Any:
        """Ask Deluge directly (the harness's own client), off the event loop."""
        return await asyncio.to_thread(getattr(self.server, method), *args)

    async def registry(self, kind: str) -> list[JsonObject]:
        """Return this entry's devices or entities, from the device or entity registry."""
        items: list[JsonObject] = await self.websocket.command(f"config/{kind}_registry/list")
        if kind == "device":
            return [item for item in items if self.entry_id in item["config_entries"]]
        return [item for item in items if item["config_entry_id"] == self.entry_id]

    async def entity_id(self, unique_suffix: str) -> str:
        """The entity id of this entry's entity with unique id ``<entry_id>_<suffix>``."""
        unique_id = f"{self.entry_id}_{unique_suffix}"
        for entity in await self.registry("entity"):
            if entity["unique_id"] == unique_id:
                entity_id: str = entity["entity_id"]
                return entity_id
        raise CheckFailedError(f"no entity with unique id {unique_id}")


# The steps, in order: each returns what it saw, for the PASS line.


async def start_deluge(run: Run) -> str:
    await asyncio.to_thread(run.server.start)
    await asyncio.to_thread(add_demo_torrents, run.server)
    states = await asyncio.to_thread(wait_for_demo_states, run.server)
    torrents = await run.deluge("torrents")
    run.hashes = {status["name"]: torrent_hash for torrent_hash, status in torrents.items()}
    return ", ".join(f"{name} {state}" for name, state in sorted(states.items()))


async def start_hass(run: Run) -> str:
    run.hass.write_config(writer="scripts/first_use_check")
    started = time.monotonic()
    run.hass.start()
    await run.hass.wait_until_serving(run.session, HASS_START_TIMEOUT)
    return f"serving {run.hass.url} after {time.monotonic() - started:.0f} s"


async def onboard(run: Run) -> str:
    expect(not await run.api.onboarding_done(), "a fresh Home Assistant should need onboarding")
    await run.api.onboard(**OWNER)
    expect(await run.api.onboarding_done(), "onboarding steps left undone")
    await wait_until_running(run.api, HASS_START_TIMEOUT)
    run.ws = await run.api.websocket()
    return "users, core_config, analytics, integration done; logged in; Home Assistant RUNNING"


async def config_flow(run: Run) -> str:
    flow = await run.api.start_config_flow(DOMAIN)
    expect(flow.get("type") == "form" and flow.get("step_id") == "user", f"unexpected first step: {flow}")
    fields = {item["name"] for item in flow["data_schema"]}
    expect({"host", "password", "verify_ssl"} <= fields, f"form fields: {sorted(fields)}")
    form = {"host": run.server.url, "verify_ssl": True}
    wrong = await run.api.submit_config_flow(flow["flow_id"], {**form, "password": WRONG_PASSWORD})
    expect(wrong.get("type") == "form", f"a wrong password gave {wrong.get('type')}")
    expect(wrong.get("errors") == {"base": "invalid_auth"}, f"wrong password errors: {wrong.get('errors')}")
    right = await run.api.submit_config_flow(wrong["flow_id"], {**form, "password": DELUGE_PASSWORD})
    expect(right.get("type") == "create_entry", f"the right password gave {right.get('type')}: {right}")
    run.entry_id = right["result"]["entry_id"]

    async def loaded() -> str | None:
        entries = await run.api.config_entries(DOMAIN)
        state = entries[0]["state"] if entries else None
        return state if state == "loaded" else None

    await poll(loaded, "the entry to load")
    return f"wrong password -> form with invalid_auth; right password -> entry '{right['title']}' loaded"


async def entities(run: Run) -> str:
    names = sorted(DEMO_STATES)
    torrent_devices = await poll(
        lambda: _torrent_device_names(run, len(names)), f"{len(names)} torrent devices", limit=60
    )
    expect(sorted(torrent_devices) == names, f"torrent devices: {sorted(torrent_devices)}")
    states = await run.api.states()
    run.entity_ids = {entity["entity_id"] for entity in await run.registry("entity")}

    async def server_value(key: str) -> str:
        return str(states[await run.entity_id(key)]["state"])

    expected_counts = {
        "torrents": len(names),
        "torrents_seeding": 1,
        "torrents_paused": 1,
        "torrents_queued": 1,
        "torrents_downloading": 2,
        "torrents_error": 0,
    }
    for key, count in expected_counts.items():
        value = await server_value(key)
        expect(value == str(count), f"server sensor {key} is {value}, Deluge says {count}")
    expect(float(await server_value("free_space")) > 0, "free space is not positive")
    expect(await server_value("downloads") == "on", "the Downloads switch is not on")
    for name, deluge_state in DEMO_STATES.items():
        torrent_hash = run.hashes[name]
        state = states[await run.entity_id(f"{torrent_hash}_state")]["state"]
        expect(state == deluge_state.lower(), f"{name}: state sensor {state}, Deluge says {deluge_state}")
        switch = states[await run.entity_id(f"{torrent_hash}_running")]["state"]
        expect(switch == ("off" if deluge_state == "Paused" else "on"), f"{name}: switch is {switch}")
    for torrent_hash, status in (await run.deluge("torrents")).items():
        progress = states[await run.entity_id(f"{torrent_hash}_progress")]["state"]
        expect(
            abs(float(progress) - status["progress"]) < 0.1,
            f"{status['name']}: progress {progress}, Deluge says {status['progress']}",
        )
    unavailable = sorted(
        entity_id
        for entity_id in run.entity_ids
        if entity_id in states and states[entity_id]["state"] == "unavailable"
    )
    expect(not unavailable, f"unavailable: {unavailable}")
    shown = sum(1 for entity_id in run.entity_ids if entity_id in states)
    return f"server device + {len(names)} torrent devices; {shown} entities with Deluge's figures and states"


async def _torrent_device_names(run: Run, count: int) -> list[str] | None:
    devices = await run.registry("device")
    names = [device["name"] for device in devices if device.get("model") == "Torrent"]
    return names if len(names) >= count else None


async def dashboard(run: Run) -> str:
    if run.devtools_port is None:
        raise CheckFailedError("no Chromium: run this check through scripts/first_use_check")
    config = load_example(run.dashboard_yaml)
    await name_server_device(run.websocket, run.entry_id)
    path = await install_dashboard(run.websocket, config)
    states = await run.api.states()
    named = entity_ids(config)
    missing = sorted(entity_id for entity_id in named if entity_id not in states)
    expect(not missing, f"the example names entities that do not exist: {missing}")
    unavailable = sorted(entity_id for entity_id in named if states[entity_id]["state"] == "unavailable")
    expect(not unavailable, f"unavailable while Deluge is up: {unavailable}")

    page = await BrowserPage.open(run.session, run.devtools_port)
    try:
        await page.log_in_to(run.hass.url, run.api.tokens.for_browser(run.hass.url, run.api.client_id))
        await page.navigate(f"{run.hass.url}/{path}")
        wanted = [*DEMO_STATES, "Seeding", "Paused", "Queued", "Downloading", "Downloads", "100.0"]

        async def rendered() -> JsonObject | None:
            content = await page.read()
            texts = "\n".join(content["texts"])
            if "hui-error-card" in content["tags"]:
                return content  # no need to wait: it fails below
            return content if all(text in texts for text in wanted) else None

        shot = run.work_dir / "dashboard.png"
        try:
            await poll(rendered, "the dashboard to show the demo's torrents and states", limit=90)
            await asyncio.sleep(2)  # icons and fonts arrive a moment after the values
        finally:
            content = await page.read()
            await page.screenshot(shot)
            if missing_texts := [text for text in wanted if text not in "\n".join(content["texts"])]:
                say(f"      page {content['url']} lacks {missing_texts}; see {shot}")
                for problem in page.problems[-15:]:
                    say(f"      browser: {problem[:300]}")
    finally:
        await page.close()
    LATEST_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, LATEST_SCREENSHOT)
    texts = "\n".join(content["texts"])
    expect("hui-error-card" not in content["tags"], f"error card on the dashboard (see {LATEST_SCREENSHOT})")
    expect("hui-warning" not in content["tags"], f"a card warns (see {LATEST_SCREENSHOT})")
    for bad in ("Unavailable", "Entity not available", "Entity not found"):
        expect(bad not in texts, f"the dashboard shows {bad!r} (see {LATEST_SCREENSHOT})")
    cards = sum(
        count for tag, count in content["tags"].items() if tag.startswith("hui-") and tag.endswith("-card")
    )
    saved = LATEST_SCREENSHOT
    if run.save_screenshot is not None:  # only a screenshot of a dashboard that passed
        shutil.copyfile(shot, run.save_screenshot)
        saved = run.save_screenshot
    return f"{cards} cards, no error card, nothing unavailable; screenshot {saved}"


async def add_torrent_action(run: Run) -> str:
    with tempfile.TemporaryDirectory() as elsewhere:
        torrent = make_torrent(Path(elsewhere), ADDED_TORRENT, 64 * 1024)
    answer = await run.api.call_service(
        DOMAIN,
        "add_torrent",
        {"config_entry_id": run.entry_id, "torrent": base64.b64encode(torrent.metainfo).decode()},
        return_response=True,
    )
    torrent_id = answer.get("service_response", {}).get("torrent_id")
    expect(torrent_id == torrent.info_hash, f"the action answered {answer.get('service_response')}")

    async def in_deluge() -> JsonObject | None:
        status: JsonObject | None = (await run.deluge("torrents")).get(torrent.info_hash)
        return status

    status = await poll(in_deluge, "Deluge to list the new torrent")
    identifier = [DOMAIN, f"{run.entry_id}_{torrent.info_hash}"]

    async def device() -> JsonObject | None:
        return next(
            (item for item in await run.registry("device") if identifier in item["identifiers"]), None
        )

    new_device = await poll(device, "a device for the new torrent", limit=60)
    switch_id = await poll(
        lambda: _maybe_entity_id(run, f"{torrent.info_hash}_running"), "the new torrent's switch"
    )
    return (
        f"Deluge lists {status['name']} ({status['state']}); new device '{new_device['name']}'"
        f" with {switch_id}"
    )


async def _maybe_entity_id(run: Run, unique_suffix: str) -> str | None:
    with contextlib.suppress(CheckFailedError):
        return await run.entity_id(unique_suffix)
    return None


async def switch_off(run: Run) -> str:
    torrent_hash = run.hashes[SEEDING]
    switch_id = await run.entity_id(f"{torrent_hash}_running")
    await run.api.call_service("switch", "turn_off", {"entity_id": switch_id})

    async def paused_in_deluge() -> str | None:
        state: str = (await run.deluge("torrents"))[torrent_hash]["state"]
        return state if state == "Paused" else None

    await poll(paused_in_deluge, f"Deluge to report {SEEDING} paused")

    async def switch_state() -> str | None:
        state: str = (await run.api.states())[switch_id]["state"]
        return state if state == "off" else None

    await poll(switch_state, f"{switch_id} to show off")
    return f"{switch_id} off -> Deluge reports {SEEDING} Paused; the switch shows off"


async def remove_entry(run: Run) -> str:
    devices = await run.registry("device")
    entity_count = len(await run.registry("entity"))
    run.entity_ids |= {entity["entity_id"] for entity in await run.registry("entity")}
    await run.api.request("DELETE", f"/api/config/config_entries/entry/{run.entry_id}")
    expect(not await run.api.config_entries(DOMAIN), "the entry is still listed")
    expect(await server_device(run.websocket, run.entry_id) is None, "the server's device is still there")

    async def all_gone() -> bool:
        states = await run.api.states()
        return (
            not await run.registry("device")
            and not await run.registry("entity")
            and not (run.entity_ids & states.keys())
        )

    await poll(all_gone, "the entry's devices, entities and states to go")
    return f"{len(devices)} devices and {entity_count} entities gone, no states left"


async def stop_everything(run: Run) -> str:
    if run.ws is not None:
        await run.ws.close()
        run.ws = None
    exit_code = await asyncio.to_thread(run.hass.stop)
    await asyncio.to_thread(run.server.stop)
    ports = [run.hass.port, run.server.web_port, run.server.daemon_port]
    still_open = [port for port in ports if _port_open(port)]
    expect(not run.hass.running and not run.server.daemon_running, "a process is still running")
    expect(not still_open, f"ports still open: {still_open}")
    # Stopped halfway through its start (after a failure), hass may die of the SIGTERM itself.
    expect(exit_code == 0 or run.failed, f"hass exited with {exit_code}")
    return f"hass exited {exit_code}; Deluge stopped; ports {ports} closed"


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


STEPS: Final[list[tuple[str, Callable[[Run], Awaitable[str]]]]] = [
    ("Deluge with the demo torrents", start_deluge),
    ("hass starts with a fresh config directory", start_hass),
    ("onboarding through the HTTP API", onboard),
    ("config flow: wrong password, then the right one", config_flow),
    ("server and torrent entities", entities),
    ("example dashboard in Chromium", dashboard),
    ("deluge_webapi.add_torrent", add_torrent_action),
    ("torrent switch off pauses it in Deluge", switch_off),
    ("removing the entry removes devices and entities", remove_entry),
    ("nothing left running", stop_everything),
]


async def run_steps(run: Run, budget: float) -> bool:
    """Run the steps in order until one fails or the budget is spent; print one line for each."""
    deadline = time.monotonic() + budget
    passed = True
    for name, step in STEPS:
        if run.failed and step is not stop_everything:
            say(f"SKIP  {name}")
            continue
        started = time.monotonic()
        try:
            async with asyncio.timeout(120 if run.failed else max(deadline - time.monotonic(), 1)):
                detail = await step(run)
        except TimeoutError:
            passed, run.failed = False, True
            say(f"FAIL  {name} ({time.monotonic() - started:.1f} s): time budget of {budget:.0f} s spent")
        except Exception as err:  # noqa: BLE001 - every failure is reported, then the rest is skipped
            passed, run.failed = False, True
            say(f"FAIL  {name} ({time.monotonic() - started:.1f} s): {type(err).__name__}: {err}")
        else:
            say(f"PASS  {name} ({time.monotonic() - started:.1f} s): {detail}")
    return passed


async def main_async(args: argparse.Namespace) -> bool:
    WORK_ROOT.mkdir(parents=True, exist_ok=True)
    work_dir = Path(tempfile.mkdtemp(prefix="run-", dir=WORK_ROOT))
    started = time.monotonic()
    server = DelugeServer(work_dir / "deluge", password=DELUGE_PASSWORD)
    hass = HassProcess(work_dir / "config", free_port())
    ok = False
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            run = Run(
                work_dir=work_dir,
                devtools_port=args.devtools_port,
                save_screenshot=args.save_screenshot,
                dashboard_yaml=args.dashboard,
                session=session,
                server=server,
                hass=hass,
                api=HomeAssistantApi(session, hass.url),
            )
            ok = await run_steps(run, args.budget)
    finally:
        hass.stop()
        server.stop()
    elapsed = time.monotonic() - started
    if ok:
        shutil.rmtree(work_dir, ignore_errors=True)
        say(f"first-use check: PASS ({len(STEPS)} steps in {elapsed:.0f} s)")
    else:
        say(f"first-use check: FAIL after {elapsed:.0f} s; logs kept in {work_dir}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/first_use_check", description=__doc__)
    parser.add_argument("--budget", type=float, default=DEFAULT_BUDGET, help="seconds for all steps")
    parser.add_argument("--devtools-port", type=int, help="a headless Chromium's remote debugging port")
    parser.add_argument("--save-screenshot", type=Path, help="also save the dashboard screenshot here")
    parser.add_argument(
        "--dashboard", type=Path, default=EXAMPLE_YAML, help="the Lovelace YAML to render (the README's)"
    )
    args = parser.parse_args()
    sys.exit(0 if asyncio.run(main_async(args)) else 1)


if __name__ == "__main__":
    main()
