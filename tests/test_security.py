"""Security and bad input: no leaked secrets, TLS verified, data kept, hostile values survived.

Secrets never leak, TLS is verified by default, data is deleted only when asked, and hostile
values from Deluge never break a poll.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
import json
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_VERIFY_SSL, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.deluge_webapi import diagnostics
from custom_components.deluge_webapi.client import DelugeAddress
from custom_components.deluge_webapi.const import DOMAIN
from tests.client.fake_deluge import PASSWORD as FAKE_PASSWORD, FakeDeluge
from tests.conftest import DelugeFactory, make_config_entry, setup_integration
from tests.deluge_harness import DelugeServer, make_torrent
from tests.integration_helpers import add_torrent, deluge_call, poll, wait_for_web_state, wait_until

# Each secret carries this token, so that a secret leaking in part, or differently encoded, is caught.
TOKEN = "LEAKCHECK71c9"
PASSWORD = f'pä$$wörd {TOKEN}a "quoted"'
NEW_PASSWORD = f"néw {TOKEN}b pässwörd"
WRONG_PASSWORD = f"wrong {TOKEN}c"


def session_cookie(entry: ConfigEntry) -> str:
    """The ``_session_id`` cookie the entry's client holds now."""
    jar = entry.runtime_data.client._session.cookie_jar
    (cookie,) = [cookie.value for cookie in jar if cookie.key == "_session_id"]
    assert isinstance(cookie, str)
    assert len(cookie) >= 16
    return cookie


def error_texts(error: BaseException | None) -> list[str]:
    """What an exception (and each one it was raised from) shows: message, repr, placeholders."""
    texts: list[str] = []
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        texts += [str(error), repr(error), str(error.args)]
        if isinstance(error, HomeAssistantError):
            texts.append(str(error.translation_placeholders))
        error = error.__cause__ or error.__context__
    return texts


async def expect_error(
    hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = False
) -> HomeAssistantError:
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(DOMAIN, service, data, blocking=True, return_response=response)
    assert raised.value.translation_domain == DOMAIN
    return raised.value


async def _set_up_through_the_flow(hass: HomeAssistant, server: DelugeServer) -> ConfigEntry:
    """The user step with a wrong password (a failed login), then the right one."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    data = {CONF_HOST: server.url, CONF_PASSWORD: WRONG_PASSWORD, CONF_VERIFY_SSL: True}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
    assert result["errors"] == {"base": "invalid_auth"}
    data[CONF_PASSWORD] = PASSWORD
    result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry: ConfigEntry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def _run_actions(
    hass: HomeAssistant, entry: ConfigEntry, server: DelugeServer
) -> tuple[list[BaseException], str]:
    """Actions that work and actions that fail: the errors, and the get_torrents response."""
    second = await hass.async_add_executor_job(make_torrent, server.download_dir, "secret-second.bin")
    response = await hass.services.async_call(
        DOMAIN,
        "add_torrent",
        {
            "config_entry_id": entry.entry_id,
            "torrent": base64.b64encode(second.metainfo).decode(),
            "download_location": str(server.download_dir),
        },
        blocking=True,
        return_response=True,
    )
    assert response == {"torrent_id": second.info_hash}
    ids = {"config_entry_id": entry.entry_id, "torrent_id": [second.info_hash]}
    await hass.services.async_call(DOMAIN, "pause_torrent", ids, blocking=True)
    await hass.services.async_call(DOMAIN, "resume_torrent", ids, blocking=True)
    listed = await hass.services.async_call(
        DOMAIN, "get_torrents", {"config_entry_id": entry.entry_id}, blocking=True, return_response=True
    )
    await hass.services.async_call(DOMAIN, "remove_torrent", ids, blocking=True)
    errors: list[BaseException] = [
        await expect_error(hass, "remove_torrent", {**ids, "torrent_id": ["f" * 40]}),
        await expect_error(
            hass, "add_torrent", {"config_entry_id": entry.entry_id, "torrent": "not base64!"}
        ),
        await expect_error(hass, "get_torrents", {"config_entry_id": "no such entry"}, response=True),
    ]
    return errors, json.dumps(listed, default=str)


async def _diagnostics(hass: HomeAssistant, entry: ConfigEntry, torrent_hash: str) -> list[str]:
    """The diagnostics of the server and of a torrent's device, as downloaded (JSON)."""
    (device,) = [
        device
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        if (DOMAIN, f"{entry.entry_id}_{torrent_hash}") in device.identifiers
    ]
    return [
        json.dumps(await diagnostics.async_get_config_entry_diagnostics(hass, entry), default=str),
        json.dumps(await diagnostics.async_get_device_diagnostics(hass, entry, device), default=str),
    ]


async def _reauthenticate(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The reauthentication form: a wrong password first, then the new one."""
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {CONF_PASSWORD: WRONG_PASSWORD})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {CONF_PASSWORD: NEW_PASSWORD})
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_no_secret_in_logs_diagnostics_or_errors(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No password and no session cookie in the log, the diagnostics, an exception or a state.

    A whole life with debug logging on: set-up (a wrong password first), polls, actions that
    work and actions that fail, diagnostics, the password changed on the server (a failed login
    in a poll, reauthentication with a wrong and then the right password).
    """
    caplog.set_level(logging.DEBUG)
    for logger in ("custom_components.deluge_webapi", "aiohttp", "homeassistant"):
        caplog.set_level(logging.DEBUG, logger=logger)
    server = deluge_factory(password=PASSWORD)
    torrent = await add_torrent(hass, server, "secret-flow.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")

    entry = await _set_up_through_the_flow(hass, server)
    cookies = {session_cookie(entry)}
    await poll(hass, freezer)
    errors, listed = await _run_actions(hass, entry, server)
    await poll(hass, freezer)
    dumps = [listed, *await _diagnostics(hass, entry, torrent.info_hash)]

    # The password changes on the server and the session ends: a poll's login fails.
    assert await deluge_call(hass, server, "auth.change_password", PASSWORD, NEW_PASSWORD)
    assert await entry.runtime_data.client.call("auth.delete_session")
    await poll(hass, freezer)
    errors.append(entry.runtime_data.coordinator.last_exception)
    await _reauthenticate(hass, entry)
    await poll(hass, freezer)
    cookies.add(session_cookie(entry))
    dumps += await _diagnostics(hass, entry, torrent.info_hash)

    assert "Calling auth.login" in caplog.text  # the debug log really is captured
    assert len(cookies) == 2  # one session before reauthentication, one after
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s")
    texts = [caplog.text, *(formatter.format(record) for record in caplog.records)]
    texts += [text for error in errors for text in error_texts(error)]
    texts += dumps
    texts += [str(state) for state in hass.states.async_all()]
    for name, secret in (
        ("password", PASSWORD),
        ("new password", NEW_PASSWORD),
        ("wrong password", WRONG_PASSWORD),
        ("part of a password", TOKEN),
        *(("session cookie", cookie) for cookie in cookies),
    ):
        for text in texts:
            assert secret not in text, f"the {name} leaks"
            assert json.dumps(secret)[1:-1] not in text, f"the {name} leaks (escaped)"


# TLS


async def test_tls_verified_by_default(hass: HomeAssistant, deluge_factory: DelugeFactory) -> None:
    """Deluge's self-signed certificate: refused unless verification is turned off, which works."""
    server = deluge_factory(web_https=True)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    schema = result["data_schema"]
    assert schema is not None
    (verify_key,) = [key for key in schema.schema if key == CONF_VERIFY_SSL]
    assert verify_key.default() is True

    for data in (
        {CONF_HOST: server.url, CONF_PASSWORD: server.password},  # the form's default
        {CONF_HOST: server.url, CONF_PASSWORD: server.password, CONF_VERIFY_SSL: True},
    ):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "ssl_error"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: server.url, CONF_PASSWORD: server.password, CONF_VERIFY_SSL: False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_VERIFY_SSL] is False
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.coordinator.last_update_success
    assert entry.runtime_data.client.address.scheme == "https"


# Deleting data


async def test_data_deleted_only_with_remove_data_true(
    hass: HomeAssistant, deluge_factory: DelugeFactory
) -> None:
    """remove_torrent without remove_data, and with it false, keeps the files; only true deletes."""
    server = deluge_factory()
    kept_default, kept_false, kept_false_text, deleted = [
        await add_torrent(hass, server, name)
        for name in ("default.bin", "false.bin", "false-text.bin", "deleted.bin")
    ]
    for torrent in (kept_default, kept_false, kept_false_text, deleted):
        await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    neighbour = server.download_dir / "not-a-torrent.txt"
    await hass.async_add_executor_job(neighbour.write_text, "keep me")
    entry = make_config_entry(server)
    await setup_integration(hass, entry)

    async def remove(torrent_hash: str, **extra: Any) -> None:
        await hass.services.async_call(
            DOMAIN,
            "remove_torrent",
            {"config_entry_id": entry.entry_id, "torrent_id": [torrent_hash], **extra},
            blocking=True,
        )

    await remove(kept_default.info_hash)
    await remove(kept_false.info_hash, remove_data=False)
    await remove(kept_false_text.info_hash, remove_data="false")
    in_deluge = await hass.async_add_executor_job(server.torrents)
    assert set(in_deluge) == {deleted.info_hash}
    for torrent in (kept_default, kept_false, kept_false_text):
        assert torrent.data_path.read_bytes()  # still there, untouched

    await remove(deleted.info_hash, remove_data=True)  # the control: deletion does happen

    async def gone() -> bool:
        return not deleted.data_path.exists()

    await wait_until(hass, gone, "Deluge deleted the data")
    assert all(torrent.data_path.exists() for torrent in (kept_default, kept_false, kept_false_text))
    assert neighbour.read_text() == "keep me"


# Hostile values from Deluge

GOOD = "a" * 40
CONTROL = "b" * 40
LONG = "c" * 40
UNKNOWN_STATE = "d" * 40
NEGATIVE = "e" * 40
BARE = "f" * 40
WRONG_TYPES = "0" * 39 + "1"


def hostile_torrents(good_progress: float = 100.0) -> dict[str, Any]:
    good = {
        "hash": GOOD,
        "name": "good.bin",
        "state": "Seeding",
        "paused": False,
        "progress": good_progress,
        "total_size": 1000,
        "ratio": 1.5,
        "time_added": 1_700_000_000,
        "is_finished": True,
    }
    return {
        "torrents": [
            good,
            {
                **good,
                "hash": CONTROL,
                "name": "evil\x00\x1b[31mname\u202egnp.exe\r\n\x7f",
                "state": "Downloading",
            },
            {**good, "hash": LONG, "name": "L" * 10_000},
            {**good, "hash": UNKNOWN_STATE, "name": "spinning.bin", "state": "Spinning"},
            {
                **good,
                "hash": NEGATIVE,
                "name": "negative.bin",
                "total_size": -5,
                "progress": -3.0,
                "ratio": -1.0,
            },
            {"hash": BARE},
            {
                "hash": WRONG_TYPES,
                "name": 12345,
                "state": ["Seeding"],
                "paused": "no",
                "progress": "50",
                "total_size": "big",
                "ratio": None,
                "time_added": "yesterday",
            },
            # Not torrents at all: skipped.
            "not a dict",
            {"hash": "xyz", "name": "short hash"},
            {"hash": None},
            {"hash": "g" * 40},
            {"name": "no hash"},
        ]
    }


def healthy_session() -> dict[str, object]:
    return {
        "web.connected": True,
        "daemon.get_version": "2.2.0",
        "webapi.get_api_version": "0.4.0",
        "core.get_enabled_plugins": ["WebAPI"],
        "core.get_session_status": {
            "payload_download_rate": 10,
            "payload_upload_rate": 20,
            "num_peers": 3,
            "dht_nodes": 0,
            "has_incoming_connections": False,
        },
        "core.get_free_space": -1,  # Deluge cannot tell
        "core.is_session_paused": False,
        "core.get_config_values": {"max_download_speed": -1.0, "max_upload_speed": -1.0},
        "core.get_session_state": [GOOD, CONTROL, LONG, UNKNOWN_STATE, NEGATIVE, BARE, WRONG_TYPES],
        "webapi.get_torrents": hostile_torrents(),
    }


@pytest.fixture
async def fake_deluge(socket_enabled: None) -> AsyncIterator[FakeDeluge]:
    fake = await FakeDeluge(results=healthy_session()).start()
    yield fake
    await fake.stop()


def torrent_state(
    hass: HomeAssistant, entry_id: str, torrent_hash: str, key: str, domain: str = "sensor"
) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(domain, DOMAIN, f"{entry_id}_{torrent_hash}_{key}")
    assert entity_id is not None, (torrent_hash, key)
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


def server_state(hass: HomeAssistant, entry_id: str, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{entry_id}_{key}")
    assert entity_id is not None, key
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def test_hostile_values_never_break_a_poll(
    hass: HomeAssistant,
    fake_deluge: FakeDeluge,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Hostile torrent values are unknown, names are cleaned, and the rest keeps working.

    Control characters, a 10,000-character name, an unknown state, negative numbers, missing
    fields, wrong types and entries that are not torrents, poll after poll.
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Hostile",
        unique_id=DelugeAddress.parse(fake_deluge.url).normalized,
        data={CONF_HOST: fake_deluge.url, CONF_PASSWORD: FAKE_PASSWORD, CONF_VERIFY_SSL: True},
    )
    await setup_integration(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    entry_id = entry.entry_id

    assert server_state(hass, entry_id, "torrents") == "7"
    assert server_state(hass, entry_id, "torrents_seeding") == "3"  # good, long and negative
    assert server_state(hass, entry_id, "torrents_downloading") == "1"
    assert server_state(hass, entry_id, "free_space") == STATE_UNKNOWN

    assert torrent_state(hass, entry_id, GOOD, "state") == "seeding"
    assert torrent_state(hass, entry_id, GOOD, "progress") == "100.0"
    assert torrent_state(hass, entry_id, GOOD, "ratio") == "1.5"
    assert torrent_state(hass, entry_id, GOOD, "running", "switch") == "on"
    assert torrent_state(hass, entry_id, UNKNOWN_STATE, "state") == STATE_UNKNOWN
    assert torrent_state(hass, entry_id, UNKNOWN_STATE, "progress") == "100.0"
    for key in ("size", "progress", "ratio"):
        assert torrent_state(hass, entry_id, NEGATIVE, key) == STATE_UNKNOWN
    assert torrent_state(hass, entry_id, NEGATIVE, "state") == "seeding"
    for torrent_hash in (BARE, WRONG_TYPES):
        for key in ("state", "progress", "size", "ratio"):
            assert torrent_state(hass, entry_id, torrent_hash, key) == STATE_UNKNOWN
        assert torrent_state(hass, entry_id, torrent_hash, "running", "switch") == STATE_UNKNOWN

    devices = {
        identifier.removeprefix(f"{entry_id}_"): device
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
        for _, identifier in device.identifiers
    }
    assert set(devices) == {entry_id, GOOD, CONTROL, LONG, UNKNOWN_STATE, NEGATIVE, BARE, WRONG_TYPES}
    assert devices[CONTROL].name == "evil[31mnamegnp.exe"
    long_name = devices[LONG].name
    assert long_name is not None
    assert long_name == "L" * len(long_name)
    assert 0 < len(long_name) <= 255
    assert devices[BARE].name == BARE  # no name: the hash stands in
    assert devices[WRONG_TYPES].name == WRONG_TYPES
    for state in hass.states.async_all():
        assert state.name.isprintable(), state.entity_id
        assert len(state.entity_id) <= 255

    # The rest keeps working: a change shows at the next poll, the hostile entries notwithstanding.
    fake_deluge.results["webapi.get_torrents"] = hostile_torrents(good_progress=42.5)
    await poll(hass, freezer)
    assert entry.runtime_data.coordinator.last_update_success
    assert torrent_state(hass, entry_id, GOOD, "progress") == "42.5"
    assert torrent_state(hass, entry_id, UNKNOWN_STATE, "state") == STATE_UNKNOWN

    # A session figure Deluge garbles fails that poll cleanly (unavailable, no traceback); the next
    # good answer brings everything back.
    fake_deluge.results["core.get_session_status"] = {"payload_download_rate": "fast"}
    await poll(hass, freezer)
    assert server_state(hass, entry_id, "torrents") == STATE_UNAVAILABLE
    error = entry.runtime_data.coordinator.last_exception
    assert isinstance(error, HomeAssistantError)
    assert error.translation_key == "invalid_response"
    fake_deluge.results["core.get_session_status"] = healthy_session()["core.get_session_status"]
    await poll(hass, freezer)
    assert server_state(hass, entry_id, "torrents") == "7"

    for record in caplog.records:
        if record.name == "aiohttp.access":
            continue  # the fake server's own access log, which trips over the frozen clock
        assert not (record.levelno >= logging.ERROR and record.exc_info), record.getMessage()
        assert "Traceback" not in record.getMessage()
        assert "Unexpected error" not in record.getMessage()
