"""Diagnostics of a Deluge server and of one torrent, with everything identifying redacted.

Redacted: the password, the host (in the entry's data, title and unique id, and in the address),
and each torrent's name, hash, save path, tracker and message (a tracker's message may quote its
announce URL, passkey included). The session cookie lives only in the client's cookie jar, which
is never read here; its key names are redacted as well, should it ever appear.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any, Final

from homeassistant import const as ha_const
from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.loader import async_get_integration

from .client import DelugeError, DelugeWebClient, Torrent
from .const import DOMAIN
from .coordinator import DelugeWebApiConfigEntry, DelugeWebApiCoordinator

TO_REDACT: Final = {
    CONF_PASSWORD,
    CONF_HOST,
    "title",
    "unique_id",
    "name",
    "hash",
    "save_path",
    "tracker_host",
    "message",
    "session_id",
    "_session_id",
    "cookie",
}
# How many torrents the entry's diagnostics list (the most recently added); all are counted.
LISTED_TORRENTS: Final = 20
# A diagnostics download must not hang on a Deluge that does not answer.
CONNECTION_CHECK_TIMEOUT: Final = 5.0


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: DelugeWebApiConfigEntry
) -> dict[str, Any]:
    """Return the diagnostics of a Deluge server."""
    coordinator = entry.runtime_data.coordinator
    data = coordinator.data
    newest = sorted(data.torrents.values(), key=lambda torrent: (torrent.time_added or 0.0, torrent.hash))
    listed = [torrent.hash for torrent in reversed(newest[-LISTED_TORRENTS:])]
    # Both ask Deluge, each bounded: together they take as long as the slower one.
    (details, details_error), web_ui = await asyncio.gather(
        _torrent_details(coordinator.client, listed), _web_ui(coordinator.client)
    )
    torrent_devices = [
        device
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        if (DOMAIN, entry.entry_id) not in device.identifiers
    ]
    diagnostics = {
        "versions": await _versions(hass, coordinator),
        "config_entry": {
            "title": entry.title,
            "unique_id": entry.unique_id,
            "data": dict(entry.data),
            "options": dict(entry.options),
        },
        "web_ui": web_ui,
        "polling": _polling(coordinator),
        "session": {
            **asdict(data.session),
            "free_space": data.free_space,
            "session_paused": data.session_paused,
        },
        "torrents": {
            "count": len(data.torrents),
            "per_state": {
                state or "unknown": count
                for state, count in sorted(data.state_counts.items(), key=lambda item: item[0] or "")
            },
            "devices": len(torrent_devices),
            "details_error": details_error,
            "listed": [
                asdict(details.get(torrent_hash) or data.torrents[torrent_hash]) for torrent_hash in listed
            ],
        },
    }
    return async_redact_data(diagnostics, TO_REDACT)


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: DelugeWebApiConfigEntry, device: dr.DeviceEntry
) -> dict[str, Any]:
    """Return the diagnostics of a torrent's device; the server's device gets the entry's."""
    prefix = f"{entry.entry_id}_"
    torrent_hash = next(
        (
            identifier.removeprefix(prefix)
            for domain, identifier in device.identifiers
            if domain == DOMAIN and identifier.startswith(prefix)
        ),
        None,
    )
    if torrent_hash is None:
        return await async_get_config_entry_diagnostics(hass, entry)
    coordinator = entry.runtime_data.coordinator
    polled = coordinator.data.torrents.get(torrent_hash)
    details, details_error = await _torrent_details(coordinator.client, [torrent_hash])
    torrent = details.get(torrent_hash) or polled
    diagnostics = {
        "torrent": None if torrent is None else asdict(torrent),
        "in_last_poll": polled is not None,
        "details_error": details_error,
        "polling": _polling(coordinator),
    }
    return async_redact_data(diagnostics, TO_REDACT)


async def _versions(hass: HomeAssistant, coordinator: DelugeWebApiCoordinator) -> dict[str, Any]:
    integration = await async_get_integration(hass, DOMAIN)
    return {
        "deluge": coordinator.server_info.daemon_version,
        "webapi_plugin": coordinator.server_info.webapi_version,
        "integration": str(integration.version),
        "home_assistant": ha_const.__version__,
    }


async def _web_ui(client: DelugeWebClient) -> dict[str, Any]:
    """Where the Web UI is (host redacted) and whether it is connected to its daemon right now."""
    address = client.address
    web_ui: dict[str, Any] = {
        "scheme": address.scheme,
        CONF_HOST: address.host,
        "port": address.port,
        "path": address.path,
        "request_timeout": client.request_timeout,
    }
    try:
        async with asyncio.timeout(CONNECTION_CHECK_TIMEOUT):
            web_ui["daemon_connected"] = await client.web_connected()
    except (DelugeError, TimeoutError) as err:
        web_ui["daemon_connected"] = None
        web_ui["connection_check_error"] = type(err).__name__
    return web_ui


def _polling(coordinator: DelugeWebApiCoordinator) -> dict[str, Any]:
    error = coordinator.last_exception
    interval = coordinator.update_interval
    success_time = coordinator.last_update_success_time
    return {
        "update_interval": None if interval is None else interval.total_seconds(),
        "last_update_success": coordinator.last_update_success,
        "last_update_success_time": None if success_time is None else success_time.isoformat(),
        "last_poll_duration": coordinator.last_poll_duration,
        # The error's type and translation key, never its text: that may name the host.
        "last_error": None if error is None else type(error).__name__,
        "last_error_key": error.translation_key if isinstance(error, HomeAssistantError) else None,
    }


async def _torrent_details(
    client: DelugeWebClient, hashes: list[str]
) -> tuple[dict[str, Torrent], str | None]:
    """Ask Deluge for every field of these torrents (a poll reads only some); else the error's type.

    The torrents are then shown as the last poll saw them.
    """
    try:
        async with asyncio.timeout(CONNECTION_CHECK_TIMEOUT):
            return await client.get_torrents(hashes), None
    except (DelugeError, TimeoutError) as err:
        return {}, type(err).__name__
