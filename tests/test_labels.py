"""Each torrent's label as a select, against a real Deluge with and without its Label plugin."""

from __future__ import annotations

import base64
from collections.abc import Generator
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.select import (
    ATTR_OPTION,
    ATTR_OPTIONS,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events
from syrupy.assertion import SnapshotAssertion

from custom_components.deluge_webapi.const import DOMAIN
from custom_components.deluge_webapi.select import NO_LABEL
from tests.conftest import DelugeFactory, make_config_entry, setup_integration
from tests.deluge_harness import DelugeServer, make_torrent
from tests.integration_helpers import (
    add_torrent,
    deluge_call,
    entity_ids_of,
    poll,
    snapshot_entities,
    state_of,
    wait_for_web_state,
    wait_until,
)


@pytest.fixture(autouse=True)
def select_platform_only() -> Generator[None]:
    with patch("custom_components.deluge_webapi.PLATFORMS", [Platform.SELECT]):
        yield


async def select_option(hass: HomeAssistant, entity_id: str, option: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN, SERVICE_SELECT_OPTION, {ATTR_ENTITY_ID: entity_id, ATTR_OPTION: option}, blocking=True
    )


async def daemon_label(hass: HomeAssistant, server: DelugeServer, torrent_hash: str) -> str:
    """The torrent's label as the daemon has it ('' for none)."""
    torrents = await hass.async_add_executor_job(server.torrents)
    label: str = torrents[torrent_hash]["label"]
    return label


async def wait_for_web_label(
    hass: HomeAssistant, server: DelugeServer, torrent_hash: str, label: str
) -> None:
    """Wait until the Web UI's cache (what a poll reads) has the torrent's new label."""

    async def check() -> bool:
        result = await deluge_call(hass, server, "webapi.get_torrents", [torrent_hash], ["hash", "label"])
        return any(torrent["label"] == label for torrent in result["torrents"])

    await wait_until(hass, check, f"the Web UI shows label {label!r}")


async def labelled_torrent(
    hass: HomeAssistant, server: DelugeServer, name: str, label: str, **kwargs: Any
) -> str:
    """Add a seeding torrent with ``label`` (made in Deluge when missing); return its hash."""
    torrent = await add_torrent(hass, server, name, **kwargs)
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    if label not in await deluge_call(hass, server, "label.get_labels"):
        await deluge_call(hass, server, "label.add", label)
    await deluge_call(hass, server, "label.set_torrent", torrent.info_hash, label)
    await wait_for_web_label(hass, server, torrent.info_hash, label)
    return torrent.info_hash


def options_of(hass: HomeAssistant, entity_id: str) -> list[str]:
    state = hass.states.get(entity_id)
    assert state is not None
    options: list[str] = state.attributes[ATTR_OPTIONS]
    return options


async def test_selects_snapshot(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    server = deluge_factory()
    await deluge_call(hass, server, "label.add", "tv")
    await labelled_torrent(hass, server, "snapshot.bin", "films", seed=1)
    entry = make_config_entry(server)

    await setup_integration(hass, entry)

    snapshot_entities(hass, entity_registry, snapshot, entry.entry_id, Platform.SELECT)


async def test_label_chosen_in_home_assistant_is_deluges(
    hass: HomeAssistant, deluge_factory: DelugeFactory, freezer: FrozenDateTimeFactory
) -> None:
    server = deluge_factory()
    await deluge_call(hass, server, "label.add", "tv")
    torrent_hash = await labelled_torrent(hass, server, "show.bin", "films")
    await setup_integration(hass, make_config_entry(server))
    assert state_of(hass, "select.show_bin_label") == "films"
    assert options_of(hass, "select.show_bin_label") == [NO_LABEL, "films", "tv"]

    await select_option(hass, "select.show_bin_label", "tv")

    assert await daemon_label(hass, server, torrent_hash) == "tv"
    assert state_of(hass, "select.show_bin_label") == "tv"  # though the Web UI's cache may lag
    await wait_for_web_label(hass, server, torrent_hash, "tv")
    await poll(hass, freezer)
    assert state_of(hass, "select.show_bin_label") == "tv"

    await select_option(hass, "select.show_bin_label", NO_LABEL)

    assert await daemon_label(hass, server, torrent_hash) == ""
    await wait_for_web_label(hass, server, torrent_hash, "")
    await poll(hass, freezer)
    assert state_of(hass, "select.show_bin_label") == NO_LABEL


async def test_label_changed_in_deluge_shows_after_a_poll(
    hass: HomeAssistant, deluge_factory: DelugeFactory, freezer: FrozenDateTimeFactory
) -> None:
    server = deluge_factory()
    torrent = await add_torrent(hass, server, "album.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    await setup_integration(hass, make_config_entry(server))
    assert state_of(hass, "select.album_bin_label") == NO_LABEL
    assert options_of(hass, "select.album_bin_label") == [NO_LABEL]

    # A label made and given in Deluge's own UI.
    await deluge_call(hass, server, "label.add", "music")
    await deluge_call(hass, server, "label.set_torrent", torrent.info_hash, "music")
    await wait_for_web_label(hass, server, torrent.info_hash, "music")
    await poll(hass, freezer)

    assert state_of(hass, "select.album_bin_label") == "music"
    assert options_of(hass, "select.album_bin_label") == [NO_LABEL, "music"]

    await deluge_call(hass, server, "label.remove", "music")  # Deluge also unlabels its torrents
    await wait_for_web_label(hass, server, torrent.info_hash, "")
    await poll(hass, freezer)

    assert state_of(hass, "select.album_bin_label") == NO_LABEL
    assert options_of(hass, "select.album_bin_label") == [NO_LABEL]


async def test_option_that_is_not_a_label_changes_nothing(
    hass: HomeAssistant, deluge_factory: DelugeFactory
) -> None:
    server = deluge_factory()
    torrent_hash = await labelled_torrent(hass, server, "kept.bin", "films")
    await setup_integration(hass, make_config_entry(server))

    with pytest.raises(ServiceValidationError):
        await select_option(hass, "select.kept_bin_label", "documentaries")

    assert await daemon_label(hass, server, torrent_hash) == "films"
    assert await deluge_call(hass, server, "label.get_labels") == ["films"]


async def test_label_plugin_disabled_since_set_up(hass: HomeAssistant, deluge_factory: DelugeFactory) -> None:
    server = deluge_factory()
    await deluge_call(hass, server, "label.add", "tv")
    torrent_hash = await labelled_torrent(hass, server, "late.bin", "films")
    await setup_integration(hass, make_config_entry(server))
    await deluge_call(hass, server, "core.disable_plugin", "Label")

    with pytest.raises(HomeAssistantError) as raised:
        await select_option(hass, "select.late_bin_label", "tv")

    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "label_plugin_disabled"
    await deluge_call(hass, server, "core.enable_plugin", "Label")
    assert await daemon_label(hass, server, torrent_hash) == "films"


async def test_without_the_label_plugin(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No label entities, no label calls, and the actions that take a label say why they cannot."""
    server = deluge_factory(label_enabled=False)
    torrent = await add_torrent(hass, server, "plain.bin")
    await wait_for_web_state(hass, server, torrent.info_hash, "Seeding")
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    await poll(hass, freezer)

    coordinator = entry.runtime_data.coordinator
    assert coordinator.last_update_success
    assert coordinator.label_plugin is False
    assert coordinator.data.labels is None
    assert entity_ids_of(entity_registry, entry.entry_id, Platform.SELECT) == []

    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "get_torrents",
            {"config_entry_id": entry.entry_id, "label": "films"},
            blocking=True,
            return_response=True,
        )
    assert raised.value.translation_key == "label_plugin_missing"

    new = await hass.async_add_executor_job(make_torrent, server.download_dir, "new.bin")
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "add_torrent",
            {
                "config_entry_id": entry.entry_id,
                "torrent": base64.b64encode(new.metainfo).decode(),
                "label": "films",
            },
            blocking=True,
        )
    assert raised.value.translation_key == "label_plugin_missing"
    assert new.info_hash not in await hass.async_add_executor_job(server.torrents)

    # Without a label filter the list works as ever.
    response = await hass.services.async_call(
        DOMAIN, "get_torrents", {"config_entry_id": entry.entry_id}, blocking=True, return_response=True
    )
    assert response is not None
    torrents = response["torrents"]
    assert isinstance(torrents, dict)
    assert set(torrents) == {torrent.info_hash}


async def test_added_event_carries_the_label_given_by_the_action(
    hass: HomeAssistant, deluge_factory: DelugeFactory, freezer: FrozenDateTimeFactory
) -> None:
    server = deluge_factory()
    with patch("custom_components.deluge_webapi.PLATFORMS", [Platform.EVENT, Platform.SELECT]):
        entry = make_config_entry(server)
        await setup_integration(hass, entry)
        added = async_capture_events(hass, "deluge_webapi_torrent_added")
        new = await hass.async_add_executor_job(make_torrent, server.download_dir, "tagged.bin")

        await hass.services.async_call(
            DOMAIN,
            "add_torrent",
            {
                "config_entry_id": entry.entry_id,
                "torrent": base64.b64encode(new.metainfo).decode(),
                "download_location": str(server.download_dir),
                "label": "films",
            },
            blocking=True,
        )
        await wait_for_web_label(hass, server, new.info_hash, "films")
        await poll(hass, freezer)

    assert [event.data["torrent_id"] for event in added] == [new.info_hash]
    assert added[0].data["label"] == "films"
    assert state_of(hass, "select.tagged_bin_label") == "films"
