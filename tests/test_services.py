"""The actions against a real Deluge: each one does what it says, and every bad input changes nothing.

Each failure is checked by its translation key, and Deluge's torrent list (read through the test
back door) is compared before and after.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
import json
from pathlib import Path
import re
from typing import Any

from aiohttp import web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.deluge_webapi.const import DOMAIN
from custom_components.deluge_webapi.torrent_source import MAX_TORRENT_FILE_SIZE
from tests.conftest import DelugeFactory, make_config_entry, setup_integration
from tests.deluge_harness import DelugeServer, TorrentFile, free_port, make_torrent
from tests.integration_helpers import add_torrent, wait_for_web_state, wait_until

INTEGRATION = Path(__file__).parents[1] / "custom_components" / DOMAIN
MAGNET_HASH = "0123456789abcdef0123456789abcdef01234567"
UNKNOWN_HASH = "f" * 40


async def call(hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = False) -> Any:
    return await hass.services.async_call(DOMAIN, service, data, blocking=True, return_response=response)


async def deluge_torrents(hass: HomeAssistant, server: DelugeServer) -> dict[str, dict[str, Any]]:
    return await hass.async_add_executor_job(server.torrents)


async def assert_fails_unchanged(
    hass: HomeAssistant,
    server: DelugeServer,
    service: str,
    data: dict[str, Any],
    key: str,
    *,
    error: type[HomeAssistantError] = ServiceValidationError,
) -> HomeAssistantError:
    """The action fails with the translated error ``key`` and Deluge has the same torrents as before."""
    before = await deluge_torrents(hass, server)
    with pytest.raises(error) as raised:
        await call(hass, service, data, response=service == "get_torrents")
    assert type(raised.value) is error
    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == key
    assert await deluge_torrents(hass, server) == before
    return raised.value


@pytest.fixture
async def server(hass: HomeAssistant, deluge_factory: DelugeFactory) -> DelugeServer:
    """A private Deluge, with the integration set up for it."""
    deluge = deluge_factory()
    await setup_integration(hass, make_config_entry(deluge))
    return deluge


@pytest.fixture
def entry(hass: HomeAssistant, server: DelugeServer) -> MockConfigEntry:
    (loaded,) = hass.config_entries.async_entries(DOMAIN)
    assert loaded.state is ConfigEntryState.LOADED
    return loaded


async def wait_paused(hass: HomeAssistant, server: DelugeServer, expected: dict[str, bool]) -> None:
    """Wait until Deluge reports each torrent paused or not (libtorrent applies it asynchronously)."""

    async def check() -> bool:
        torrents = await deluge_torrents(hass, server)
        return all(torrents[torrent_hash]["paused"] is paused for torrent_hash, paused in expected.items())

    await wait_until(hass, check, f"paused: {expected}")


def device_of(device_registry: dr.DeviceRegistry, identifier: str, entry_id: str) -> dr.DeviceEntry | None:
    """The device with identifier ``(DOMAIN, identifier)``, on any supported Home Assistant."""
    if hasattr(device_registry, "async_get_device_by_identifier"):  # 2026.10 and newer
        return device_registry.async_get_device_by_identifier((DOMAIN, identifier), entry_id)
    return device_registry.async_get_device(identifiers={(DOMAIN, identifier)})


def b64(torrent: TorrentFile) -> str:
    return base64.b64encode(torrent.metainfo).decode()


async def new_torrent(hass: HomeAssistant, server: DelugeServer, name: str) -> TorrentFile:
    """A .torrent whose data is in Deluge's download folder (not added yet)."""
    return await hass.async_add_executor_job(make_torrent, server.download_dir, name)


# A web server for .torrent URLs


@dataclass
class TorrentSite:
    """A local web server: ``pages[path] = (status, content type, body)``."""

    pages: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def handle(self, request: web.Request) -> web.Response:
        status, content_type, body = self.pages.get(request.path, (404, "text/plain", b"not here"))
        return web.Response(status=status, body=body, content_type=content_type)


@pytest.fixture
async def site(socket_enabled: None) -> AsyncIterator[TorrentSite]:
    torrent_site = TorrentSite()
    app = web.Application()
    app.router.add_get("/{tail:.*}", torrent_site.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    torrent_site.port = runner.addresses[0][1]
    yield torrent_site
    await runner.cleanup()


# add_torrent


async def test_add_magnet(hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry) -> None:
    response = await call(
        hass,
        "add_torrent",
        {
            "config_entry_id": entry.entry_id,
            "torrent": f"magnet:?xt=urn:btih:{MAGNET_HASH.upper()}&dn=magnet",
        },
        response=True,
    )

    assert response == {"torrent_id": MAGNET_HASH}
    assert MAGNET_HASH in await deluge_torrents(hass, server)
    # The action asked for a refresh: the new torrent is in the coordinator's data already.
    assert MAGNET_HASH in entry.runtime_data.coordinator.data.torrents


async def test_add_base64_magnet_in_base32(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry
) -> None:
    base32 = base64.b32encode(bytes.fromhex(MAGNET_HASH)).decode()

    response = await call(
        hass,
        "add_torrent",
        {"config_entry_id": entry.entry_id, "torrent": f"magnet:?xt=urn:btih:{base32}"},
        response=True,
    )

    assert response == {"torrent_id": MAGNET_HASH}


async def test_add_from_allowed_file(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry, tmp_path: Path
) -> None:
    torrent = await new_torrent(hass, server, "from-file.bin")
    folder = tmp_path / "watch"
    folder.mkdir()
    (folder / "from-file.torrent").write_bytes(torrent.metainfo)
    hass.config.allowlist_external_dirs = {str(folder)}

    response = await call(
        hass,
        "add_torrent",
        {"config_entry_id": entry.entry_id, "torrent": str(folder / "from-file.torrent")},
        response=True,
    )

    assert response == {"torrent_id": torrent.info_hash}
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    added = (await deluge_torrents(hass, server))[torrent.info_hash]
    assert added["name"] == "from-file.bin"
    assert added["progress"] == 100


async def test_add_base64_paused_with_location(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry
) -> None:
    torrent = await new_torrent(hass, server, "paused.bin")
    elsewhere = server.root / "elsewhere"

    response = await call(
        hass,
        "add_torrent",
        {
            "config_entry_id": entry.entry_id,
            "torrent": b64(torrent),
            "add_paused": True,
            "download_location": str(elsewhere),
        },
        response=True,
    )

    assert response == {"torrent_id": torrent.info_hash}
    added = (await deluge_torrents(hass, server))[torrent.info_hash]
    assert added["paused"] is True
    assert added["state"] == "Paused"
    assert added["save_path"] == str(elsewhere)


async def test_add_without_response(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry
) -> None:
    torrent = await new_torrent(hass, server, "quiet.bin")

    assert (
        await call(hass, "add_torrent", {"config_entry_id": entry.entry_id, "torrent": b64(torrent)}) is None
    )

    assert torrent.info_hash in await deluge_torrents(hass, server)


async def test_add_from_url(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry, site: TorrentSite
) -> None:
    torrent = await new_torrent(hass, server, "from-url.bin")
    site.pages["/files/from-url.torrent"] = (200, "application/x-bittorrent", torrent.metainfo)

    response = await call(
        hass,
        "add_torrent",
        {"config_entry_id": entry.entry_id, "torrent": site.url("/files/from-url.torrent?passkey=secret")},
        response=True,
    )

    assert response == {"torrent_id": torrent.info_hash}
    assert torrent.info_hash in await deluge_torrents(hass, server)


async def test_add_with_label_creates_it(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry
) -> None:
    torrent = await new_torrent(hass, server, "labelled.bin")
    assert "films" not in await hass.async_add_executor_job(server.call, "label.get_labels")

    await call(
        hass, "add_torrent", {"config_entry_id": entry.entry_id, "torrent": b64(torrent), "label": "Films"}
    )

    assert "films" in await hass.async_add_executor_job(server.call, "label.get_labels")
    assert (await deluge_torrents(hass, server))[torrent.info_hash]["label"] == "films"

    # An existing label is used as it is.
    second = await new_torrent(hass, server, "labelled-too.bin")
    await call(
        hass, "add_torrent", {"config_entry_id": entry.entry_id, "torrent": b64(second), "label": "films"}
    )
    assert (await deluge_torrents(hass, server))[second.info_hash]["label"] == "films"


async def test_add_with_label_without_label_plugin(
    hass: HomeAssistant, deluge_factory: DelugeFactory
) -> None:
    server = deluge_factory(label_enabled=False)
    config_entry = make_config_entry(server)
    await setup_integration(hass, config_entry)
    torrent = await new_torrent(hass, server, "no-label.bin")

    await assert_fails_unchanged(
        hass,
        server,
        "add_torrent",
        {"config_entry_id": config_entry.entry_id, "torrent": b64(torrent), "label": "films"},
        "label_plugin_missing",
    )


async def test_add_duplicate_names_the_existing_torrent(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry
) -> None:
    torrent = await new_torrent(hass, server, "twice.bin")
    await call(hass, "add_torrent", {"config_entry_id": entry.entry_id, "torrent": b64(torrent)})
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    await entry.runtime_data.coordinator.async_refresh()

    error = await assert_fails_unchanged(
        hass,
        server,
        "add_torrent",
        {"config_entry_id": entry.entry_id, "torrent": b64(torrent)},
        "duplicate_torrent",
    )
    assert error.translation_placeholders == {"name": "twice.bin"}

    # The same torrent as a magnet link is the same torrent.
    await assert_fails_unchanged(
        hass,
        server,
        "add_torrent",
        {"config_entry_id": entry.entry_id, "torrent": torrent.magnet},
        "duplicate_torrent",
    )


async def test_add_duplicate_the_last_poll_did_not_see(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry
) -> None:
    """Added behind Home Assistant's back since the last poll: Deluge's refusal is translated."""
    torrent = await add_torrent(hass, server, "behind-the-back.bin")
    assert torrent.info_hash not in entry.runtime_data.coordinator.data.torrents

    error = await assert_fails_unchanged(
        hass,
        server,
        "add_torrent",
        {"config_entry_id": entry.entry_id, "torrent": b64(torrent)},
        "duplicate_torrent",
    )
    assert error.translation_placeholders is not None
    assert error.translation_placeholders["name"] in {torrent.info_hash, "behind-the-back.bin"}


BAD_SOURCES = [
    pytest.param("magnet:?dn=no-hash", "invalid_magnet", id="magnet-without-hash"),
    pytest.param("magnet:?xt=urn:btih:12345", "invalid_magnet", id="magnet-short-hash"),
    pytest.param("magnet:?xt=urn:btih:" + "z" * 40, "invalid_magnet", id="magnet-not-hex"),
    pytest.param("this is not base64!", "invalid_base64", id="bad-base64"),
    pytest.param(
        base64.b64encode(b"<html>hello</html>").decode(), "base64_not_torrent", id="base64-not-torrent"
    ),
    pytest.param(base64.b64encode(b"d4:infoi1ee").decode(), "base64_not_torrent", id="info-not-a-dict"),
    pytest.param(base64.b64encode(b"d4:info").decode(), "base64_not_torrent", id="truncated"),
]


@pytest.mark.parametrize(("torrent", "key"), BAD_SOURCES)
async def test_add_bad_input_changes_nothing(
    hass: HomeAssistant, deluge: DelugeServer, torrent: str, key: str
) -> None:
    entry = make_config_entry(deluge)
    await setup_integration(hass, entry)

    await assert_fails_unchanged(
        hass, deluge, "add_torrent", {"config_entry_id": entry.entry_id, "torrent": torrent}, key
    )


async def test_add_files_outside_allowlist_or_missing(
    hass: HomeAssistant, deluge: DelugeServer, tmp_path: Path
) -> None:
    entry = make_config_entry(deluge)
    await setup_integration(hass, entry)
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    outside = await hass.async_add_executor_job(make_torrent, tmp_path / "outside", "outside.bin")
    (tmp_path / "outside" / "outside.torrent").write_bytes(outside.metainfo)
    (allowed / "notes.torrent").write_text("just some text")
    (allowed / "huge.torrent").write_bytes(b"d4:info" + b"0" * MAX_TORRENT_FILE_SIZE)
    hass.config.allowlist_external_dirs = {str(allowed)}
    data = {"config_entry_id": entry.entry_id}

    cases = {
        str(tmp_path / "outside" / "outside.torrent"): "path_not_allowed",
        str(allowed / ".." / "outside" / "outside.torrent"): "path_not_allowed",
        str(allowed / "missing.torrent"): "file_not_found",
        str(allowed): "file_not_found",
        str(allowed / "notes.torrent"): "file_not_torrent",
        str(allowed / "huge.torrent"): "file_too_large",
    }
    for path, key in cases.items():
        await assert_fails_unchanged(hass, deluge, "add_torrent", {**data, "torrent": path}, key)


async def test_add_bad_urls_change_nothing(
    hass: HomeAssistant, deluge: DelugeServer, site: TorrentSite
) -> None:
    entry = make_config_entry(deluge)
    await setup_integration(hass, entry)
    site.pages["/login.html"] = (200, "text/html", b"<!DOCTYPE html><html><body>Log in</body></html>")
    site.pages["/huge.torrent"] = (
        200,
        "application/x-bittorrent",
        b"d4:info" + b"0" * (MAX_TORRENT_FILE_SIZE + 1),
    )
    site.pages["/broken"] = (500, "text/plain", b"oops")
    data = {"config_entry_id": entry.entry_id}

    error = await assert_fails_unchanged(
        hass,
        deluge,
        "add_torrent",
        {**data, "torrent": site.url("/gone.torrent?passkey=secret")},
        "url_not_found",
    )
    # The tracker's passkey in the query is not repeated in the message.
    assert error.translation_placeholders == {"url": site.url("/gone.torrent")}
    await assert_fails_unchanged(
        hass, deluge, "add_torrent", {**data, "torrent": site.url("/login.html")}, "url_not_torrent"
    )
    await assert_fails_unchanged(
        hass, deluge, "add_torrent", {**data, "torrent": site.url("/huge.torrent")}, "url_too_large"
    )
    await assert_fails_unchanged(
        hass, deluge, "add_torrent", {**data, "torrent": site.url("/broken")}, "url_http_error"
    )


async def test_add_url_nobody_answers(hass: HomeAssistant, deluge: DelugeServer) -> None:
    """A network failure is not the user's input: a HomeAssistantError, not a validation error."""
    entry = make_config_entry(deluge)
    await setup_integration(hass, entry)
    closed_port = free_port()

    await assert_fails_unchanged(
        hass,
        deluge,
        "add_torrent",
        {"config_entry_id": entry.entry_id, "torrent": f"http://127.0.0.1:{closed_port}/x.torrent"},
        "url_unreachable",
        error=HomeAssistantError,
    )


async def test_add_invalid_label(hass: HomeAssistant, deluge: DelugeServer) -> None:
    entry = make_config_entry(deluge)
    await setup_integration(hass, entry)

    await assert_fails_unchanged(
        hass,
        deluge,
        "add_torrent",
        {
            "config_entry_id": entry.entry_id,
            "torrent": f"magnet:?xt=urn:btih:{MAGNET_HASH}",
            "label": "my films!",
        },
        "invalid_label",
    )


# Servers


async def test_server_not_loaded_or_unknown(hass: HomeAssistant, deluge: DelugeServer) -> None:
    entry = make_config_entry(deluge)
    await setup_integration(hass, entry)
    assert await hass.config_entries.async_unload(entry.entry_id)
    other_domain = MockConfigEntry(domain="not_deluge")
    other_domain.add_to_hass(hass)
    magnet = f"magnet:?xt=urn:btih:{MAGNET_HASH}"

    error = await assert_fails_unchanged(
        hass,
        deluge,
        "add_torrent",
        {"config_entry_id": entry.entry_id, "torrent": magnet},
        "server_not_loaded",
    )
    assert error.translation_placeholders == {"server": "Deluge"}
    for entry_id in ("no-such-entry", other_domain.entry_id):
        await assert_fails_unchanged(
            hass, deluge, "add_torrent", {"config_entry_id": entry_id, "torrent": magnet}, "server_not_found"
        )
    await assert_fails_unchanged(
        hass, deluge, "get_torrents", {"config_entry_id": entry.entry_id}, "server_not_loaded"
    )
    await assert_fails_unchanged(
        hass, deluge, "pause_torrent", {"torrent_id": MAGNET_HASH}, "no_server_loaded"
    )


async def test_deluge_failure_is_a_translated_home_assistant_error(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry
) -> None:
    torrent = await add_torrent(hass, server, "kept.bin")
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_add_executor_job(server.stop_web)

    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, "pause_torrent", {"torrent_id": torrent.info_hash})
    assert type(raised.value) is HomeAssistantError
    assert raised.value.translation_key == "cannot_connect"
    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, "get_torrents", {"config_entry_id": entry.entry_id}, response=True)
    assert raised.value.translation_key == "cannot_connect"


# remove_torrent


async def test_remove_keeps_or_deletes_data(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry
) -> None:
    kept = await add_torrent(hass, server, "keep-data.bin")
    deleted = await add_torrent(hass, server, "delete-data.bin")
    for torrent in (kept, deleted):
        await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    await entry.runtime_data.coordinator.async_refresh()

    await call(hass, "remove_torrent", {"torrent_id": kept.info_hash})
    await call(hass, "remove_torrent", {"torrent_id": [deleted.info_hash], "remove_data": True})

    assert await deluge_torrents(hass, server) == {}
    assert kept.data_path.exists()

    async def data_deleted() -> bool:
        return not deleted.data_path.exists()

    await wait_until(hass, data_deleted, "Deluge deleted the data")


async def test_remove_with_an_unknown_id_removes_nothing(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry
) -> None:
    first = await add_torrent(hass, server, "one.bin")
    second = await add_torrent(hass, server, "two.bin")
    await entry.runtime_data.coordinator.async_refresh()

    error = await assert_fails_unchanged(
        hass,
        server,
        "remove_torrent",
        {"config_entry_id": entry.entry_id, "torrent_id": [first.info_hash, UNKNOWN_HASH, second.info_hash]},
        "unknown_torrent",
    )
    assert error.translation_placeholders == {"torrent_id": UNKNOWN_HASH, "server": "Deluge"}
    assert set(await deluge_torrents(hass, server)) == {first.info_hash, second.info_hash}


async def test_remove_a_torrent_the_last_poll_did_not_see(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry
) -> None:
    """Known ids are checked with Deluge itself when the last poll predates them."""
    torrent = await add_torrent(hass, server, "new.bin")
    assert torrent.info_hash not in entry.runtime_data.coordinator.data.torrents

    await call(hass, "remove_torrent", {"torrent_id": torrent.info_hash.upper()})

    assert await deluge_torrents(hass, server) == {}


async def test_bad_selections(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    torrent = await add_torrent(hass, server, "target.bin")
    await entry.runtime_data.coordinator.async_refresh()
    server_device = device_of(device_registry, entry.entry_id, entry.entry_id)
    assert server_device is not None

    for service in ("remove_torrent", "pause_torrent", "resume_torrent"):
        await assert_fails_unchanged(hass, server, service, {}, "no_torrents_selected")
        await assert_fails_unchanged(
            hass, server, service, {"torrent_id": "not-a-hash"}, "invalid_torrent_id"
        )
        await assert_fails_unchanged(hass, server, service, {"device_id": server_device.id}, "not_a_torrent")
        await assert_fails_unchanged(hass, server, service, {"device_id": "no-such-device"}, "not_a_torrent")
        await assert_fails_unchanged(
            hass, server, service, {"entity_id": "sensor.deluge_torrents"}, "not_a_torrent"
        )
        await assert_fails_unchanged(
            hass,
            server,
            service,
            {"torrent_id": torrent.info_hash, "config_entry_id": "no-such-entry"},
            "server_not_found",
        )
    assert torrent.info_hash in await deluge_torrents(hass, server)


async def test_hashes_need_a_server_when_several_are_loaded(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry, deluge: DelugeServer
) -> None:
    torrent = await add_torrent(hass, server, "which-server.bin")
    other = MockConfigEntry(
        domain=DOMAIN, title="Other", unique_id="other", data=dict(make_config_entry(deluge).data)
    )
    await setup_integration(hass, other)
    assert other.state is ConfigEntryState.LOADED

    await assert_fails_unchanged(
        hass, server, "pause_torrent", {"torrent_id": torrent.info_hash}, "server_required"
    )
    # Named, the right server is used; the other one knows no such torrent.
    await assert_fails_unchanged(
        hass,
        server,
        "pause_torrent",
        {"torrent_id": torrent.info_hash, "config_entry_id": other.entry_id},
        "unknown_torrent",
    )
    await call(hass, "pause_torrent", {"torrent_id": torrent.info_hash, "config_entry_id": entry.entry_id})
    await wait_paused(hass, server, {torrent.info_hash: True})


# pause_torrent / resume_torrent


async def test_pause_resume_by_hash_leaves_the_others(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry
) -> None:
    target = await add_torrent(hass, server, "target.bin")
    bystander = await add_torrent(hass, server, "bystander.bin")
    for torrent in (target, bystander):
        await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    await entry.runtime_data.coordinator.async_refresh()

    await call(hass, "pause_torrent", {"torrent_id": target.info_hash})
    await wait_paused(hass, server, {target.info_hash: True, bystander.info_hash: False})

    await call(hass, "resume_torrent", {"torrent_id": [target.info_hash]})
    await wait_paused(hass, server, {target.info_hash: False, bystander.info_hash: False})


async def test_pause_resume_by_device_and_entity(
    hass: HomeAssistant,
    server: DelugeServer,
    entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    first = await add_torrent(hass, server, "first.bin")
    second = await add_torrent(hass, server, "second.bin")
    bystander = await add_torrent(hass, server, "bystander.bin")
    for torrent in (first, second, bystander):
        await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    first_device = device_of(device_registry, f"{entry.entry_id}_{first.info_hash}", entry.entry_id)
    assert first_device is not None
    second_entity = entity_registry.async_get_entity_id(
        "sensor", DOMAIN, f"{entry.entry_id}_{second.info_hash}_progress"
    )
    assert second_entity is not None

    await call(hass, "pause_torrent", {"device_id": first_device.id, "entity_id": second_entity})
    await wait_paused(
        hass, server, {first.info_hash: True, second.info_hash: True, bystander.info_hash: False}
    )

    await call(hass, "resume_torrent", {"device_id": [first_device.id]})
    await wait_paused(
        hass, server, {first.info_hash: False, second.info_hash: True, bystander.info_hash: False}
    )


async def test_remove_by_device_in_an_area(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    """An area holding a torrent device (and the server device): only the torrent is acted on."""
    torrent = await add_torrent(hass, server, "in-area.bin")
    other = await add_torrent(hass, server, "elsewhere.bin")
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    for identifier in (f"{entry.entry_id}_{torrent.info_hash}", entry.entry_id):
        device = device_of(device_registry, identifier, entry.entry_id)
        assert device is not None
        device_registry.async_update_device(device.id, area_id="office")

    await call(hass, "remove_torrent", {"area_id": "office"})

    assert set(await deluge_torrents(hass, server)) == {other.info_hash}


# get_torrents


async def test_get_torrents_and_filters(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry
) -> None:
    seeding = await add_torrent(hass, server, "seeding.bin")
    paused = await add_torrent(hass, server, "paused.bin", add_paused=True)
    await wait_for_web_state(hass, server, seeding.info_hash, "Seeding")
    await hass.async_add_executor_job(server.call, "label.add", "films")
    await hass.async_add_executor_job(server.call, "label.set_torrent", paused.info_hash, "films")

    async def label_visible() -> bool:  # the WebAPI's answers may be 1.5 s stale
        torrents = await hass.async_add_executor_job(server.call, "webapi.get_torrents", None, ["label"])
        return any(torrent.get("label") == "films" for torrent in torrents["torrents"])

    await wait_until(hass, label_visible, "the label shows")
    data = {"config_entry_id": entry.entry_id}

    everything = await call(hass, "get_torrents", data, response=True)
    assert set(everything["torrents"]) == {seeding.info_hash, paused.info_hash}
    item = everything["torrents"][seeding.info_hash]
    assert item["name"] == "seeding.bin"
    assert item["state"] == "Seeding"
    assert item["progress"] == 100
    assert item["total_size"] == 64 * 1024
    assert item["total_done"] == 64 * 1024
    assert isinstance(item["upload_rate"], int)
    assert item["save_path"] == str(server.download_dir)
    assert item["label"] == ""
    assert item["is_finished"] is True
    assert item["paused"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", item["time_added"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", item["completed_time"])
    json.dumps(everything)  # plain JSON, as a response must be

    by_state = await call(hass, "get_torrents", {**data, "state": ["paused"]}, response=True)
    assert set(by_state["torrents"]) == {paused.info_hash}
    by_label = await call(hass, "get_torrents", {**data, "label": "films"}, response=True)
    assert set(by_label["torrents"]) == {paused.info_hash}
    by_id = await call(
        hass, "get_torrents", {**data, "torrent_id": [seeding.info_hash, UNKNOWN_HASH]}, response=True
    )
    assert set(by_id["torrents"]) == {seeding.info_hash}
    combined = await call(
        hass, "get_torrents", {**data, "state": ["Seeding", "Downloading"], "label": "films"}, response=True
    )
    assert combined == {"torrents": {}}


async def test_get_torrents_cuts_long_texts(
    hass: HomeAssistant, server: DelugeServer, entry: MockConfigEntry
) -> None:
    long_name = "n" * 250 + ".bin"
    torrent = await add_torrent(hass, server, long_name)

    response = await call(
        hass,
        "get_torrents",
        {"config_entry_id": entry.entry_id, "torrent_id": torrent.info_hash},
        response=True,
    )

    name = response["torrents"][torrent.info_hash]["name"]
    assert len(name) == 200
    assert name.endswith("…")


async def test_get_torrents_rejects_bad_filters(hass: HomeAssistant, deluge: DelugeServer) -> None:
    entry = make_config_entry(deluge)
    await setup_integration(hass, entry)

    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass, "get_torrents", {"config_entry_id": entry.entry_id, "torrent_id": "nope"}, response=True
        )
    assert raised.value.translation_key == "invalid_torrent_id"


# Translations and descriptions


def test_every_error_key_is_translated() -> None:
    """Each translation key raised by the action modules has a message with the same placeholders."""
    translations = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    exceptions = translations["exceptions"]
    sources = ("services.py", "service_targets.py", "torrent_source.py")
    raised: dict[str, set[str]] = {}
    for source in sources:
        text = (INTEGRATION / source).read_text()
        for match in re.finditer(r'(?:invalid_input|_invalid)\(\s*"(\w+)"([^)]*)\)', text):
            raised.setdefault(match.group(1), set()).update(re.findall(r"(\w+)=", match.group(2)))
        for match in re.finditer(r'translation_key="(\w+)"', text):
            raised.setdefault(match.group(1), set())
    assert len(raised) > 20
    for key, placeholders in raised.items():
        assert key in exceptions, key
        assert set(re.findall(r"{(\w+)}", exceptions[key]["message"])) >= placeholders, key


def test_services_yaml_matches_translations() -> None:
    from homeassistant.util.yaml import load_yaml_dict  # noqa: PLC0415

    described = load_yaml_dict(str(INTEGRATION / "services.yaml"))
    translations = json.loads((INTEGRATION / "translations" / "en.json").read_text())["services"]
    icons = json.loads((INTEGRATION / "icons.json").read_text())["services"]
    assert set(described) == set(translations) == set(icons)
    for service, description in described.items():
        assert set(description["fields"]) == set(translations[service]["fields"]), service


async def test_home_assistant_reads_the_descriptions(hass: HomeAssistant, deluge: DelugeServer) -> None:
    """services.yaml passes Home Assistant's own validation: every action, its fields and targets."""
    from homeassistant.helpers.service import async_get_all_descriptions  # noqa: PLC0415

    await setup_integration(hass, make_config_entry(deluge))

    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]

    assert set(descriptions) == {
        "add_torrent",
        "remove_torrent",
        "pause_torrent",
        "resume_torrent",
        "get_torrents",
    }
    assert descriptions["add_torrent"]["fields"]["config_entry_id"]["selector"] == {
        "config_entry": {"integration": DOMAIN}
    }
    for service in ("remove_torrent", "pause_torrent", "resume_torrent"):
        assert "target" in descriptions[service], service
    assert "target" not in descriptions["get_torrents"]
