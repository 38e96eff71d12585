"""Diagnostics of a real Deluge: what they tell, and that nothing identifying gets out."""

from __future__ import annotations

from http import HTTPStatus
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant import const as ha_const
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.loader import async_get_integration
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.matchers import path_type

from custom_components.deluge_webapi.client import DelugeAddress
from custom_components.deluge_webapi.config_flow import entry_title
from custom_components.deluge_webapi.const import DOMAIN
from custom_components.deluge_webapi.diagnostics import LISTED_TORRENTS, async_get_device_diagnostics
from tests.conftest import DelugeFactory, make_config_entry, setup_integration
from tests.deluge_harness import DelugeServer, TorrentFile
from tests.integration_helpers import (
    add_torrent,
    deluge_call,
    device_of,
    poll,
    wait_for_web_state,
    wait_until,
)

REDACTED = "**REDACTED**"
SECRET_NAME = "Family holiday 2025 (private).mkv"

# Values that differ on every run: their type is checked, the value left out of the snapshot.
VOLATILE = path_type(
    {
        r"versions\.(integration|home_assistant)": (str,),
        r"web_ui\.port": (int,),
        r"polling\.last_update_success_time": (str,),
        r"polling\.last_poll_duration": (float,),
        r"session\.free_space": (int,),
        r"(torrents\.listed\.\d+|torrent)\.time_added": (float,),
        r"(torrents\.listed\.\d+|torrent)\.completed_time": (float, type(None)),
    },
    regex=True,
)


async def _loaded_entry(hass: HomeAssistant, server: DelugeServer) -> MockConfigEntry:
    """Set up ``server`` under the title the config flow gives it: its host and port."""
    entry = make_config_entry(server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, title=entry_title(DelugeAddress.parse(server.url)))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _labelled_torrent(hass: HomeAssistant, server: DelugeServer) -> TorrentFile:
    torrent = await add_torrent(hass, server, SECRET_NAME)
    await deluge_call(hass, server, "label.add", "films")
    await deluge_call(hass, server, "label.set_torrent", torrent.info_hash, "films")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")

    async def labelled() -> bool:  # the Web UI's cache refreshes each field in its own time
        result = await deluge_call(hass, server, "webapi.get_torrents", [torrent.info_hash], ["label"])
        return bool(result["torrents"]) and result["torrents"][0].get("label") == "films"

    await wait_until(hass, labelled, "the Web UI lists the label")
    return torrent


async def _download(hass: HomeAssistant, hass_client: ClientSessionGenerator, path: str) -> str:
    """The whole file a user downloads (Home Assistant's wrapper included), as text."""
    assert await async_setup_component(hass, "diagnostics", {})
    client = await hass_client()
    response = await client.get(path)
    assert response.status == HTTPStatus.OK
    text: str = await response.text()
    return text


def _secrets(entry: MockConfigEntry, server: DelugeServer, torrent: TorrentFile) -> dict[str, str]:
    """What must appear nowhere in a download."""
    cookies = [cookie.value for cookie in entry.runtime_data.client._session.cookie_jar]
    assert len(cookies) == 1
    assert len(cookies[0]) >= 16
    host = DelugeAddress.parse(server.url)
    return {
        "password": server.password,
        "session cookie": cookies[0],
        "host and port": f"{host.host}:{host.port}",
        "torrent name": SECRET_NAME,
        "torrent hash": torrent.info_hash,
        "save path": str(server.download_dir),
    }


def _assert_nothing_leaks(dump: str, secrets: dict[str, str]) -> None:
    for what, secret in secrets.items():
        assert secret not in dump, f"the {what} leaks into diagnostics"
        assert json.dumps(secret)[1:-1] not in dump, f"the {what} leaks into diagnostics (escaped)"


async def test_entry_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    deluge_factory: DelugeFactory,
    snapshot: SnapshotAssertion,
) -> None:
    server = deluge_factory(password="diagnostics pässwörd")
    torrent = await _labelled_torrent(hass, server)
    entry = await _loaded_entry(hass, server)

    dump = await _download(hass, hass_client, f"/api/diagnostics/config_entry/{entry.entry_id}")
    _assert_nothing_leaks(dump, _secrets(entry, server, torrent))

    data = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    integration = await async_get_integration(hass, DOMAIN)
    assert data["versions"] == {
        "deluge": "2.2.0",
        "webapi_plugin": "0.4.0",
        "integration": str(integration.version),
        "home_assistant": ha_const.__version__,
    }
    assert data["config_entry"]["data"]["password"] == REDACTED
    assert data["config_entry"]["data"]["host"] == REDACTED
    assert data["config_entry"]["title"] == REDACTED
    assert data["config_entry"]["unique_id"] == REDACTED
    assert data["web_ui"]["daemon_connected"] is True
    assert data["torrents"]["per_state"] == {"Seeding": 1}
    listed = data["torrents"]["listed"]
    assert isinstance(listed, list)
    assert [item["label"] for item in listed] == ["films"]
    assert data == snapshot(matcher=VOLATILE)


async def test_only_the_newest_torrents_are_listed(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, deluge_factory: DelugeFactory
) -> None:
    server = deluge_factory()
    added = [
        (await add_torrent(hass, server, f"t{number:02}.bin", size=16 * 1024)).info_hash
        for number in range(LISTED_TORRENTS + 2)
    ]
    entry = await _loaded_entry(hass, server)
    coordinator = entry.runtime_data.coordinator
    newest_first = sorted(
        coordinator.data.torrents.values(),
        key=lambda torrent: (torrent.time_added or 0, torrent.hash),
        reverse=True,
    )

    data = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    torrents = data["torrents"]
    assert isinstance(torrents, dict)
    assert torrents["count"] == len(added)
    listed: list[dict[str, Any]] = torrents["listed"]
    assert len(listed) == LISTED_TORRENTS
    assert [item["time_added"] for item in listed] == [
        torrent.time_added for torrent in newest_first[:LISTED_TORRENTS]
    ]
    assert {item["hash"] for item in listed} == {REDACTED}


async def test_torrent_device_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    deluge_factory: DelugeFactory,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    server = deluge_factory(password="device pässwörd")
    torrent = await _labelled_torrent(hass, server)
    entry = await _loaded_entry(hass, server)
    device = device_of(device_registry, entry.entry_id, f"{entry.entry_id}_{torrent.info_hash}")
    assert device is not None

    dump = await _download(
        hass, hass_client, f"/api/diagnostics/config_entry/{entry.entry_id}/device/{device.id}"
    )
    _assert_nothing_leaks(dump, _secrets(entry, server, torrent))

    data = await get_diagnostics_for_device(hass, hass_client, entry, device)
    assert data["in_last_poll"] is True
    assert data == snapshot(matcher=VOLATILE)


async def test_server_device_diagnostics_are_the_entry_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    deluge: DelugeServer,
    device_registry: dr.DeviceRegistry,
) -> None:
    entry = await _loaded_entry(hass, deluge)
    device = device_of(device_registry, entry.entry_id, entry.entry_id)
    assert device is not None

    data = await get_diagnostics_for_device(hass, hass_client, entry, device)

    assert set(data) == {"versions", "config_entry", "web_ui", "polling", "session", "torrents"}
    assert data["config_entry"]["data"]["password"] == REDACTED


async def test_device_of_a_torrent_deluge_no_longer_has(
    hass: HomeAssistant, deluge: DelugeServer, device_registry: dr.DeviceRegistry
) -> None:
    entry = make_config_entry(deluge)
    await setup_integration(hass, entry)
    device = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, f"{entry.entry_id}_{'f' * 40}")}
    )

    data = await async_get_device_diagnostics(hass, entry, device)

    assert data["torrent"] is None
    assert data["in_last_poll"] is False


async def test_diagnostics_while_deluge_is_down(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    deluge_factory: DelugeFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The last poll's failure is told by type and key; torrents are shown as that poll saw them."""
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "kept.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    entry = await _loaded_entry(hass, server)
    await hass.async_add_executor_job(server.stop_web)
    await poll(hass, freezer)

    data = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    polling = data["polling"]
    assert isinstance(polling, dict)
    assert polling["last_update_success"] is False
    assert polling["last_error"] == "UpdateFailed"
    assert polling["last_error_key"] == "cannot_connect"
    assert isinstance(polling["last_poll_duration"], float)
    web_ui = data["web_ui"]
    assert isinstance(web_ui, dict)
    assert web_ui["daemon_connected"] is None
    assert web_ui["connection_check_error"] == "DelugeConnectionError"
    torrents = data["torrents"]
    assert isinstance(torrents, dict)
    assert torrents["details_error"] == "DelugeConnectionError"
    listed = torrents["listed"]
    assert isinstance(listed, list)
    (shown,) = listed
    assert isinstance(shown, dict)
    assert shown["state"] == "Seeding"
    assert shown["tracker_host"] is None  # the poll does not read it: not redacted, nothing to hide
