"""Actions: add, remove, pause, resume and list torrents.

Every input is checked before Deluge is asked to change anything: a bad hash, target, file or
URL leaves Deluge as it was. Torrents are named by hash (``torrent_id``), by their device or by
one of their entities; the Deluge server by its config entry (``config_entry_id``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util

if TYPE_CHECKING:
    # What ``voluptuous`` is at run time since Home Assistant 2026.9 (a shim over probatio), and
    # the type ``ServiceRegistry.async_register`` is annotated with.
    import probatio as vol
else:
    import voluptuous as vol  # Home Assistant before 2026.9 has no probatio

from .client import (
    KNOWN_STATES,
    DelugeDuplicateTorrentError,
    DelugeInvalidTorrentError,
    DelugeLabelPluginMissingError,
    Torrent,
)
from .const import DOMAIN
from .coordinator import DelugeWebApiConfigEntry
from .service_targets import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_TORRENT_ID,
    MAX_SHOWN_INPUT,
    async_select_torrents,
    deluge_errors,
    invalid_input,
    loaded_entry,
    parse_torrent_id,
    torrent_name,
)
from .torrent_source import async_resolve_torrent

SERVICE_ADD_TORRENT: Final = "add_torrent"
SERVICE_REMOVE_TORRENT: Final = "remove_torrent"
SERVICE_PAUSE_TORRENT: Final = "pause_torrent"
SERVICE_RESUME_TORRENT: Final = "resume_torrent"
SERVICE_GET_TORRENTS: Final = "get_torrents"

ATTR_TORRENT: Final = "torrent"
ATTR_DOWNLOAD_LOCATION: Final = "download_location"
ATTR_ADD_PAUSED: Final = "add_paused"
ATTR_LABEL: Final = "label"
ATTR_REMOVE_DATA: Final = "remove_data"
ATTR_STATE: Final = "state"
ATTR_TORRENTS: Final = "torrents"

# Texts in a response are cut to this length; names are already at most 255 characters.
MAX_RESPONSE_TEXT: Final = 200
# Deluge's Label plugin accepts lower-case letters, digits, "-" and "_" (and lower-cases the rest).
_LABEL = re.compile(r"[a-z0-9_-]+")
_STATE_KEYS: Final = tuple(state.lower() for state in KNOWN_STATES)
_TORRENT_IDS = vol.All(cv.ensure_list, [cv.string])

ADD_TORRENT_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_TORRENT): cv.string,
        vol.Optional(ATTR_DOWNLOAD_LOCATION): cv.string,
        vol.Optional(ATTR_ADD_PAUSED): cv.boolean,
        vol.Optional(ATTR_LABEL): cv.string,
    }
)
_SELECTION_FIELDS: Final[dict[Any, Any]] = {
    vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
    vol.Optional(ATTR_TORRENT_ID): _TORRENT_IDS,
    **cv.ENTITY_SERVICE_FIELDS,
}
PAUSE_RESUME_SCHEMA: Final = vol.Schema(_SELECTION_FIELDS)
REMOVE_TORRENT_SCHEMA: Final = vol.Schema(
    {**_SELECTION_FIELDS, vol.Optional(ATTR_REMOVE_DATA, default=False): cv.boolean}
)
GET_TORRENTS_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_STATE): vol.All(
            cv.ensure_list, [vol.All(cv.string, vol.Lower, vol.In(_STATE_KEYS))]
        ),
        vol.Optional(ATTR_LABEL): cv.string,
        vol.Optional(ATTR_TORRENT_ID): _TORRENT_IDS,
    }
)

# Handlers


def _requested_label(call: ServiceCall) -> str | None:
    """Return the label to give the new torrent, in Deluge's spelling; raise when it cannot be one."""
    if (text := call.data.get(ATTR_LABEL)) is None:
        return None
    label: str = text.strip().lower()
    if not _LABEL.fullmatch(label):
        raise invalid_input("invalid_label", label=text[:MAX_SHOWN_INPUT])
    return label


async def _async_raise_if_present(
    hass: HomeAssistant, entry: DelugeWebApiConfigEntry, torrent_ids: frozenset[str]
) -> None:
    """Raise when Deluge has one of the ids the new torrent may get.

    The last poll is only a hint: a torrent it saw may have been removed since (by an action a
    moment ago), so Deluge is asked about those before the addition is refused.
    """
    known = entry.runtime_data.coordinator.data.torrents
    if not (seen := sorted(torrent_id for torrent_id in torrent_ids if torrent_id in known)):
        return
    with deluge_errors(hass, entry):
        present = await entry.runtime_data.client.get_torrents(seen, fields=("hash",))
    for torrent_id in seen:
        if torrent_id in present:
            raise invalid_input("duplicate_torrent", name=torrent_name(entry, torrent_id))


async def _async_add_torrent(call: ServiceCall) -> ServiceResponse:
    entry = loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    label = _requested_label(call)
    source = await async_resolve_torrent(call.hass, call.data[ATTR_TORRENT])
    await _async_raise_if_present(call.hass, entry, source.torrent_ids)
    options = {key: call.data[key] for key in (ATTR_DOWNLOAD_LOCATION, ATTR_ADD_PAUSED) if key in call.data}
    client = entry.runtime_data.client
    with deluge_errors(call.hass, entry):
        labels: list[str] = []
        if label is not None:
            try:
                labels = await client.get_labels()
            except DelugeLabelPluginMissingError as err:
                raise invalid_input("label_plugin_missing") from err
        try:
            torrent_id = await client.add_torrent(source.metainfo, options)
        except DelugeDuplicateTorrentError as err:
            existing = err.torrent_id or min(source.torrent_ids)
            raise invalid_input("duplicate_torrent", name=torrent_name(entry, existing)) from err
        except DelugeInvalidTorrentError as err:
            raise invalid_input("torrent_rejected", error=err.message[:MAX_RESPONSE_TEXT]) from err
        if label is not None:
            if label not in labels:
                await client.add_label(label)
            await client.set_torrent_label(torrent_id, label)
    await entry.runtime_data.coordinator.async_request_refresh()
    return {ATTR_TORRENT_ID: torrent_id} if call.return_response else None


async def _async_remove_torrent(call: ServiceCall) -> None:
    selection = await async_select_torrents(call)
    remove_data: bool = call.data[ATTR_REMOVE_DATA]
    for entry, hashes in selection.values():
        with deluge_errors(call.hass, entry):
            for torrent_hash in sorted(hashes):
                await entry.runtime_data.client.remove_torrent(torrent_hash, remove_data=remove_data)
        await entry.runtime_data.coordinator.async_request_refresh()


async def _async_pause_torrent(call: ServiceCall) -> None:
    for entry, hashes in (await async_select_torrents(call)).values():
        with deluge_errors(call.hass, entry):
            await entry.runtime_data.client.pause_torrents(sorted(hashes))
        await entry.runtime_data.coordinator.async_request_refresh()


async def _async_resume_torrent(call: ServiceCall) -> None:
    for entry, hashes in (await async_select_torrents(call)).values():
        with deluge_errors(call.hass, entry):
            await entry.runtime_data.client.resume_torrents(sorted(hashes))
        await entry.runtime_data.coordinator.async_request_refresh()


async def _async_get_torrents(call: ServiceCall) -> ServiceResponse:
    entry = loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    ids = [parse_torrent_id(value) for value in call.data.get(ATTR_TORRENT_ID, [])] or None
    states: list[str] = call.data.get(ATTR_STATE, [])
    label: str | None = call.data.get(ATTR_LABEL)
    if label is not None and not entry.runtime_data.coordinator.label_plugin:
        raise invalid_input("label_plugin_missing")  # no torrent would match: say why
    with deluge_errors(call.hass, entry):
        torrents = await entry.runtime_data.client.get_torrents(ids)
    return {
        ATTR_TORRENTS: {
            torrent.hash: torrent_summary(torrent)
            for torrent in sorted(torrents.values(), key=lambda torrent: (torrent.name or "", torrent.hash))
            if (not states or (torrent.state or "").lower() in states)
            and (label is None or torrent.label == label.lower())
        }
    }


def _text(value: str | None) -> str | None:
    if value is None or len(value) <= MAX_RESPONSE_TEXT:
        return value
    return value[: MAX_RESPONSE_TEXT - 1] + "…"


def _timestamp(value: float | None) -> str | None:
    return dt_util.utc_from_timestamp(value).isoformat() if value is not None else None


def torrent_summary(torrent: Torrent) -> dict[str, Any]:
    """One torrent in a response: native units (bytes, bytes/s, seconds), short texts."""
    return {
        "name": _text(torrent.name),
        "state": torrent.state,
        "progress": torrent.progress,
        "download_rate": torrent.download_rate,
        "upload_rate": torrent.upload_rate,
        "eta": torrent.eta,
        "ratio": torrent.ratio,
        "total_size": torrent.total_size,
        "total_done": torrent.total_done,
        "total_uploaded": torrent.total_uploaded,
        "num_seeds": torrent.num_seeds,
        "num_peers": torrent.num_peers,
        "save_path": torrent.save_path,
        "label": torrent.label,
        "time_added": _timestamp(torrent.time_added),
        "completed_time": _timestamp(torrent.completed_time),
        "is_finished": torrent.is_finished,
        "paused": torrent.paused,
        "message": _text(torrent.message),
        "tracker_host": _text(torrent.tracker_host),
    }


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions of the integration (once, from ``async_setup``)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_ADD_TORRENT,
        _async_add_torrent,
        schema=ADD_TORRENT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_REMOVE_TORRENT, _async_remove_torrent, schema=REMOVE_TORRENT_SCHEMA
    )
    hass.services.async_register(
        DOMAIN, SERVICE_PAUSE_TORRENT, _async_pause_torrent, schema=PAUSE_RESUME_SCHEMA
    )
    hass.services.async_register(
        DOMAIN, SERVICE_RESUME_TORRENT, _async_resume_torrent, schema=PAUSE_RESUME_SCHEMA
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_TORRENTS,
        _async_get_torrents,
        schema=GET_TORRENTS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
