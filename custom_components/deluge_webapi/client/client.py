"""An async client for Deluge's Web UI JSON-RPC endpoint and the WebAPI plugin."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection, Iterable, Mapping
import re
from typing import Any

from .exceptions import (
    DelugeDaemonNotConnectedError,
    DelugeInvalidTorrentError,
    DelugeLabelPluginMissingError,
    DelugeResponseError,
    DelugeServerError,
)
from .models import (
    SESSION_STATUS_KEYS,
    TORRENT_FIELDS,
    ParsedTorrents,
    ServerInfo,
    SessionStatus,
    Torrent,
    TorrentListParser,
    parse_session_status,
    parse_torrents,
)
from .rpc import expect, expect_dict, expect_list
from .transport import LOGGER, DelugeJsonRpc, off_loop_if

# Above this many torrents a get_torrents answer is parsed in a worker thread (a few ms of
# the event loop's time per thousand torrents otherwise).
PARSE_OFF_LOOP_TORRENTS = 2_000

_TORRENT_ID = re.compile(r"[0-9a-f]{40}")
_MAGNET_HASH = re.compile(r"[?&]xt=urn:btih:(?:[0-9a-f]{40}|[a-z2-7]{32})(?:&|$)", re.IGNORECASE)


class DelugeWebClient(DelugeJsonRpc):
    """Deluge's Web UI JSON-RPC API: the WebAPI plugin's methods and Deluge's own.

    ``session`` belongs to the caller and is never closed here. Deluge keeps the login in a
    ``_session_id`` cookie, so the session's cookie jar must keep that cookie: aiohttp's default
    ``CookieJar()`` silently drops cookies set by IP-address hosts (``192.168.1.5``,
    ``127.0.0.1``), after which every call fails as not authenticated. For IP hosts create the
    session with ``aiohttp.CookieJar(unsafe=True)`` (in Home Assistant:
    ``async_create_clientsession(hass, cookie_jar=CookieJar(unsafe=True))``).

    The client logs in on its first call, and once more when Deluge answers "Not
    authenticated" (at most one login runs at a time). Every request is bounded by
    ``request_timeout`` seconds: after the daemon dies, some of Deluge's calls never answer.
    ``verify_ssl=False`` accepts any TLS certificate (Deluge's own is self-signed).
    """

    # Web UI and daemon

    async def ensure_daemon_connected(self) -> None:
        """Connect the web UI to the first online daemon of its host list unless it is connected."""
        if await self.web_connected():
            return
        hosts = expect_list(await self._call("web.get_hosts"), "web.get_hosts")
        host_ids = [host[0] for host in hosts if isinstance(host, list) and host and isinstance(host[0], str)]
        for host_id in host_ids:
            status = await self._call("web.get_host_status", host_id)
            if isinstance(status, list) and len(status) > 1 and status[1] in {"Online", "Connected"}:
                LOGGER.debug("Connecting the web UI at %s to its daemon", self.address)
                await self._call("web.connect", host_id)
                if await self.web_connected():
                    return
        raise DelugeDaemonNotConnectedError(
            f"The web UI at {self.address} is not connected to a Deluge daemon,"
            f" and none of its {len(host_ids)} known daemons could be connected"
        )

    async def get_server_info(self) -> ServerInfo:
        """Return the daemon's and the WebAPI plugin's versions."""
        daemon_version = expect(await self._call("daemon.get_version"), str, "daemon.get_version")
        return ServerInfo(daemon_version=daemon_version, webapi_version=await self.get_api_version())

    async def get_api_version(self) -> str:
        """Return the WebAPI plugin's version, such as ``0.4.0``."""
        return expect(await self._call("webapi.get_api_version"), str, "webapi.get_api_version")

    # Torrents

    async def get_torrents(
        self,
        ids: Collection[str] | None = None,
        fields: Iterable[str] = TORRENT_FIELDS,
        *,
        parser: TorrentListParser | None = None,
    ) -> dict[str, Torrent]:
        """Torrents by hash: all, or those of ``ids`` (an empty ``ids`` asks Deluge nothing).

        An empty list from the WebAPI is not trusted: while the web UI is not connected to a
        daemon it raises DelugeDaemonNotConnectedError, and in the second or so after the web
        UI (re)connected, while its torrent cache is still empty, the daemon is asked directly.

        A caller that asks the same again and again (a poll) passes its own ``parser``: the
        torrents that did not change since its last call are then the same objects as before,
        and cost almost nothing: the parser does not even decode their text. A long answer is
        decoded and parsed in a worker thread.
        """
        id_list = None if ids is None else _id_list(ids)
        if id_list == []:
            return {}
        keys = list(dict.fromkeys(("hash", *_str_list(fields))))
        if parser is None:
            result = await self._call("webapi.get_torrents", id_list, keys)
            torrents = await off_loop_if(_listed(result) > PARSE_OFF_LOOP_TORRENTS, parse_torrents, result)
        else:
            result = await self._call("webapi.get_torrents", id_list, keys, decode=parser.decode_answer)
            torrents = result if isinstance(result, ParsedTorrents) else parser.parse(result)
        if torrents:
            return torrents
        if not await self.web_connected():
            raise DelugeDaemonNotConnectedError(f"The web UI at {self.address} is not connected to a daemon")
        in_daemon = expect_list(await self._call("core.get_session_state"), "core.get_session_state")
        wanted = (
            in_daemon
            if id_list is None
            else [torrent_id for torrent_id in id_list if torrent_id in in_daemon]
        )
        if not wanted:
            return {}
        LOGGER.debug("The web UI at %s has not loaded its torrents yet, asking the daemon", self.address)
        statuses = expect_dict(
            await self._call("core.get_torrents_status", {"id": wanted}, keys), "core.get_torrents_status"
        )
        return parse_torrents({"torrents": list(statuses.values())})

    async def add_torrent(self, metainfo: str | bytes, options: Mapping[str, Any] | None = None) -> str:
        """Add a magnet URI, raw .torrent bytes or a base64 .torrent; return the torrent's id."""
        result = await self._call("webapi.add_torrent", _encode_metainfo(metainfo), dict(options or {}))
        if result is None:
            raise _invalid_torrent("Deluge did not add the torrent")
        if type(result) is not str or not _TORRENT_ID.fullmatch(result.lower()):
            raise DelugeResponseError("webapi.add_torrent did not answer with a torrent id")
        return result.lower()

    async def remove_torrent(self, torrent_id: str, *, remove_data: bool = False) -> None:
        """Remove a torrent, and its downloaded data with ``remove_data=True``."""
        if await self._call("webapi.remove_torrent", torrent_id, remove_data) is False:
            raise DelugeServerError(
                "Deluge did not remove the torrent", code=0, method="webapi.remove_torrent"
            )

    async def pause_torrents(self, ids: Collection[str]) -> None:
        """Pause these torrents; an empty collection sends nothing (Deluge reads [] as all)."""
        if id_list := _id_list(ids):
            await self._call("core.pause_torrents", id_list)

    async def resume_torrents(self, ids: Collection[str]) -> None:
        """Resume these torrents; an empty collection sends nothing (Deluge reads [] as all)."""
        if id_list := _id_list(ids):
            await self._call("core.resume_torrents", id_list)

    # Session-wide

    async def pause_session(self) -> None:
        """Pause the whole libtorrent session."""
        await self._call("core.pause_session")

    async def resume_session(self) -> None:
        """Resume the whole libtorrent session."""
        await self._call("core.resume_session")

    async def is_session_paused(self) -> bool:
        """Whether the libtorrent session is paused."""
        return expect(await self._call("core.is_session_paused"), bool, "core.is_session_paused")

    async def get_session_status(self) -> SessionStatus:
        """Payload rates, connections and DHT nodes of the session."""
        return parse_session_status(await self._call("core.get_session_status", list(SESSION_STATUS_KEYS)))

    async def get_free_space(self) -> int | None:
        """Free bytes in the download location; None when Deluge cannot tell (-1)."""
        result = await self._call("core.get_free_space")
        return result if type(result) is int and result >= 0 else None

    async def get_config_values(self, keys: Iterable[str]) -> dict[str, Any]:
        """Values of these keys of Deluge's core config (None for unknown keys)."""
        result = expect_dict(
            await self._call("core.get_config_values", _str_list(keys)), "core.get_config_values"
        )
        return {str(key): value for key, value in result.items()}

    async def set_config(self, values: Mapping[str, Any]) -> None:
        """Change keys of Deluge's core config."""
        await self._call("core.set_config", dict(values))

    async def get_enabled_plugins(self) -> list[str]:
        """Names of the daemon's enabled plugins, such as ``WebAPI`` and ``Label``."""
        plugins = expect_list(await self._call("core.get_enabled_plugins"), "core.get_enabled_plugins")
        return [plugin for plugin in plugins if isinstance(plugin, str)]

    # Labels (Deluge's Label plugin; Deluge keeps labels in lower case)

    async def get_labels(self) -> list[str]:
        """Every label; DelugeLabelPluginMissingError when the Label plugin is not enabled."""
        await self._require_label_plugin()
        labels = expect_list(await self._call("label.get_labels"), "label.get_labels")
        return [label for label in labels if isinstance(label, str)]

    async def add_label(self, label: str) -> None:
        """Create a label (lower-cased); nothing happens when it exists already."""
        await self._require_label_plugin()
        try:
            await self._call("label.add", label.strip().lower())
        except DelugeServerError as err:
            if "already exists" not in err.message.lower():
                raise

    async def set_torrent_label(self, torrent_id: str, label: str) -> None:
        """Give a torrent an existing label (lower-cased); ``""`` removes its label."""
        await self._require_label_plugin()
        await self._call("label.set_torrent", torrent_id, label.strip().lower())

    async def _require_label_plugin(self) -> None:
        if not any(plugin.lower() == "label" for plugin in await self.get_enabled_plugins()):
            raise DelugeLabelPluginMissingError(
                f"The Label plugin is not enabled in Deluge at {self.address}"
            )


def _listed(result: object) -> int:
    """How many torrents a webapi.get_torrents answer lists (0 for a malformed one)."""
    torrents = result.get("torrents") if isinstance(result, dict) else None
    return len(torrents) if isinstance(torrents, list) else 0


def _id_list(ids: Collection[str]) -> list[str]:
    if isinstance(ids, str):
        raise TypeError("Pass a collection of torrent ids, not a single string")
    return list(ids)


def _str_list(keys: Iterable[str]) -> list[str]:
    if isinstance(keys, str):
        raise TypeError("Pass a collection of keys, not a single string")
    return list(keys)


def _encode_metainfo(metainfo: str | bytes) -> str:
    """Turn metainfo into what webapi.add_torrent takes (magnet URI or base64), checking it first."""
    if isinstance(metainfo, bytes):
        if not metainfo.startswith(b"d"):
            raise _invalid_torrent("The data is not a .torrent file (a bencoded dictionary)")
        return base64.b64encode(metainfo).decode("ascii")
    text = metainfo.strip()
    if text[:7].lower() == "magnet:":
        if not _MAGNET_HASH.search(text):
            raise _invalid_torrent("The magnet URI has no xt=urn:btih: info-hash")
        return text
    compact = "".join(text.split())  # base64 pasted with line breaks
    try:
        decoded = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid_torrent("The text is neither a magnet URI nor base64") from None
    if not decoded.startswith(b"d"):
        raise _invalid_torrent("The base64 data is not a .torrent file (a bencoded dictionary)")
    return compact


def _invalid_torrent(message: str) -> DelugeInvalidTorrentError:
    return DelugeInvalidTorrentError(message, code=0, method="webapi.add_torrent")
