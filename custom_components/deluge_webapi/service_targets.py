"""Which Deluge server and which torrents an action names; every name checked before any change.

Torrents are named by hash (``torrent_id``, with ``config_entry_id`` or the only loaded server),
by their device, by one of their entities, or through an area, floor or label holding their devices.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
import re
from typing import Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    target as target_helpers,
)

from .client import DelugeAuthenticationError, DelugeError
from .const import DOMAIN
from .coordinator import DelugeWebApiConfigEntry
from .helpers import deluge_error_to_ha

# Home Assistant 2026.10 renamed TargetSelectorData (still the name in the oldest supported release).
_TargetSelection = getattr(target_helpers, "TargetSelection", None) or target_helpers.TargetSelectorData

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_TORRENT_ID: Final = "torrent_id"
# Longest piece of user input repeated in an error message.
MAX_SHOWN_INPUT: Final = 200
_HASH = re.compile(r"[0-9a-f]{40}")
_INDIRECT_TARGET_FIELDS: Final = ("area_id", "floor_id", "label_id")


def invalid_input(key: str, **placeholders: str) -> ServiceValidationError:
    """Return the translated error for bad input to an action."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders or None
    )


type TorrentSelection = dict[str, tuple[DelugeWebApiConfigEntry, set[str]]]
"""The torrents an action names: by config entry id, the entry and the hashes."""


# Servers


def loaded_entry(hass: HomeAssistant, entry_id: str) -> DelugeWebApiConfigEntry:
    """Return the loaded Deluge WebAPI entry ``entry_id``; raise a translated error for any other."""
    entry: DelugeWebApiConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise invalid_input("server_not_found", entry_id=entry_id)
    if entry.state is not ConfigEntryState.LOADED:
        raise invalid_input("server_not_loaded", server=entry.title)
    return entry


def _entry_for_hashes(call: ServiceCall) -> DelugeWebApiConfigEntry:
    """Return the server of the ``torrent_id`` hashes: the one named, else the only one loaded."""
    if entry_id := call.data.get(ATTR_CONFIG_ENTRY_ID):
        return loaded_entry(call.hass, entry_id)
    loaded: list[DelugeWebApiConfigEntry] = call.hass.config_entries.async_loaded_entries(DOMAIN)
    if not loaded:
        raise invalid_input("no_server_loaded")
    if len(loaded) > 1:
        raise invalid_input("server_required")
    return loaded[0]


@contextmanager
def deluge_errors(hass: HomeAssistant, entry: DelugeWebApiConfigEntry) -> Iterator[None]:
    """Client errors in the block become translated HomeAssistantErrors (a refused password: reauth)."""
    try:
        yield
    except DelugeAuthenticationError as err:
        entry.async_start_reauth(hass)
        raise deluge_error_to_ha(err) from err
    except DelugeError as err:
        raise deluge_error_to_ha(err) from err


def torrent_name(entry: DelugeWebApiConfigEntry, torrent_hash: str) -> str:
    """Return the torrent's name as of the last poll, else its hash."""
    torrent = entry.runtime_data.coordinator.data.torrents.get(torrent_hash)
    return torrent.name if torrent is not None and torrent.name else torrent_hash


# Torrent selection


def parse_torrent_id(value: str) -> str:
    """Return a torrent id in Deluge's spelling (40 lower-case hex digits); raise when it is not one."""
    torrent_hash = value.strip().lower()
    if not _HASH.fullmatch(torrent_hash):
        raise invalid_input("invalid_torrent_id", torrent_id=value[:MAX_SHOWN_INPUT])
    return torrent_hash


def _torrent_of_device(
    hass: HomeAssistant, device: dr.AnyDeviceEntry
) -> tuple[DelugeWebApiConfigEntry, str] | None:
    """Return the (server, hash) a torrent device stands for; None for any other device."""
    for domain, identifier in device.identifiers:
        if domain != DOMAIN:
            continue
        entry_id, _, torrent_hash = identifier.rpartition("_")
        if entry_id and _HASH.fullmatch(torrent_hash):
            return loaded_entry(hass, entry_id), torrent_hash
    return None


def _targeted_devices(call: ServiceCall) -> list[tuple[str, dr.AnyDeviceEntry | None]]:
    """Return the devices named directly or through an entity, as (what the user named, device)."""
    device_registry = dr.async_get(call.hass)
    entity_registry = er.async_get(call.hass)
    named: list[tuple[str, dr.AnyDeviceEntry | None]] = [
        (device_id, device_registry.async_get(device_id))
        for device_id in cv.ensure_list(call.data.get(ATTR_DEVICE_ID))
    ]
    for entity_id in cv.ensure_list(call.data.get(ATTR_ENTITY_ID)):
        entity = entity_registry.async_get(entity_id)
        device = device_registry.async_get(entity.device_id) if entity and entity.device_id else None
        named.append((entity_id, device))
    return named


def _indirect_torrent_devices(call: ServiceCall) -> list[dr.AnyDeviceEntry]:
    """Return the torrent devices reached through an area, floor or label (nothing else there)."""
    selection = {key: call.data[key] for key in _INDIRECT_TARGET_FIELDS if key in call.data}
    if not selection:
        return []
    selected = target_helpers.async_extract_referenced_entity_ids(
        call.hass, _TargetSelection(selection), expand_group=False
    )
    device_registry = dr.async_get(call.hass)
    entity_registry = er.async_get(call.hass)
    device_ids = set(selected.referenced_devices)
    for entity_id in selected.indirectly_referenced:
        if (entity := entity_registry.async_get(entity_id)) and entity.device_id:
            device_ids.add(entity.device_id)
    devices = (device_registry.async_get(device_id) for device_id in device_ids)
    return [device for device in devices if device is not None]


async def async_select_torrents(call: ServiceCall) -> TorrentSelection:
    """Return every torrent the call names, by server; all checked to exist in Deluge."""
    selection: TorrentSelection = {}

    def add(entry: DelugeWebApiConfigEntry, hashes: Iterable[str]) -> None:
        selection.setdefault(entry.entry_id, (entry, set()))[1].update(hashes)

    if raw_hashes := call.data.get(ATTR_TORRENT_ID):
        add(_entry_for_hashes(call), [parse_torrent_id(value) for value in raw_hashes])
    for name, device in _targeted_devices(call):
        if device is None or (found := _torrent_of_device(call.hass, device)) is None:
            raise invalid_input("not_a_torrent", target=name)
        add(found[0], [found[1]])
    for device in _indirect_torrent_devices(call):
        if (found := _torrent_of_device(call.hass, device)) is not None:
            add(found[0], [found[1]])
    if not any(hashes for _, hashes in selection.values()):
        raise invalid_input("no_torrents_selected")
    for entry, hashes in selection.values():
        await _async_check_known(call.hass, entry, hashes)
    return selection


async def _async_check_known(
    hass: HomeAssistant, entry: DelugeWebApiConfigEntry, hashes: Collection[str]
) -> None:
    """Raise for the first hash Deluge does not have (asking Deluge about any the last poll missed)."""
    known = entry.runtime_data.coordinator.data.torrents
    if not (unseen := [torrent_hash for torrent_hash in hashes if torrent_hash not in known]):
        return
    with deluge_errors(hass, entry):
        fresh = await entry.runtime_data.client.get_torrents(unseen, fields=("hash",))
    for torrent_hash in sorted(unseen):
        if torrent_hash not in fresh:
            raise invalid_input("unknown_torrent", torrent_id=torrent_hash, server=entry.title)
