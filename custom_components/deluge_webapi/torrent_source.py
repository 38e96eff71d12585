"""What the add_torrent action was given: a magnet URI, a URL, a local file or base64 metainfo.

Everything is checked here, before Deluge is asked anything: a bad input changes nothing in Deluge.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
import hashlib
from pathlib import Path
import re
from typing import Final
from urllib.parse import parse_qsl, urlsplit

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import DOMAIN

MAX_TORRENT_FILE_SIZE: Final = 10 * 1024 * 1024
DOWNLOAD_TIMEOUT: Final = aiohttp.ClientTimeout(total=30, sock_connect=10)
_CHUNK_SIZE: Final = 64 * 1024
_MAX_NESTING: Final = 64
_HEX_HASH = re.compile(r"[0-9a-fA-F]{40}")
_BASE32_HASH = re.compile(r"[A-Za-z2-7]{32}")
_MAGNET_PREFIX: Final = "magnet:"
_SIZE_LIMIT_MIB: Final = str(MAX_TORRENT_FILE_SIZE // (1024 * 1024))
_MAX_SHOWN_URL: Final = 120


@dataclass(frozen=True, slots=True)
class TorrentSource:
    """Metainfo ready for Deluge, and the ids Deluge may give the torrent (to spot duplicates)."""

    metainfo: str | bytes  # a magnet URI, or the bytes of a .torrent file
    torrent_ids: frozenset[str]


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders or None
    )


async def async_resolve_torrent(hass: HomeAssistant, torrent: str) -> TorrentSource:
    """Turn the ``torrent`` field into checked metainfo; raise a translated error when it is not."""
    text = torrent.strip()
    if text[: len(_MAGNET_PREFIX)].lower() == _MAGNET_PREFIX:
        return TorrentSource(metainfo=text, torrent_ids=magnet_torrent_ids(text))
    if urlsplit(text).scheme.lower() in ("http", "https"):
        data = await _async_download(hass, text)
        return _from_metainfo(data, "url_not_torrent", url=display_url(text))
    if text.startswith("/"):
        return _from_metainfo(await _async_read_file(hass, text), "file_not_torrent", path=text)
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("invalid_base64") from None
    return _from_metainfo(data, "base64_not_torrent")


def _from_metainfo(data: bytes, error_key: str, **placeholders: str) -> TorrentSource:
    try:
        ids = metainfo_torrent_ids(data)
    except ValueError:
        raise _invalid(error_key, **placeholders) from None
    return TorrentSource(metainfo=data, torrent_ids=ids)


def magnet_torrent_ids(uri: str) -> frozenset[str]:
    """Return the v1 info-hashes a magnet URI names; raise ``invalid_magnet`` when it names none."""
    query = uri[len(_MAGNET_PREFIX) :].lstrip("?")
    ids: set[str] = set()
    for key, value in parse_qsl(query, keep_blank_values=True):
        if not key.lower().startswith("xt") or not value.lower().startswith("urn:btih:"):
            continue
        digest = value[len("urn:btih:") :]
        if _HEX_HASH.fullmatch(digest):
            ids.add(digest.lower())
        elif _BASE32_HASH.fullmatch(digest):
            ids.add(base64.b32decode(digest.upper()).hex())
        else:
            raise _invalid("invalid_magnet")
    if not ids:
        raise _invalid("invalid_magnet")
    return frozenset(ids)


def metainfo_torrent_ids(data: bytes) -> frozenset[str]:
    """Return the ids Deluge may give a .torrent; ValueError when ``data`` is not a torrent.

    The check is structural (a bencoded dictionary with an ``info`` dictionary), not a full
    validation: Deluge does that. A hybrid v1+v2 torrent gets the truncated v2 hash as its id in
    Deluge, so both candidates are returned.
    """
    if not data.startswith(b"d") or b"4:info" not in data:
        raise ValueError("not a bencoded torrent")
    info: tuple[int, int] | None = None
    position = 1
    while data[position : position + 1] != b"e":
        key_start = position
        if not data[key_start : key_start + 1].isdigit():
            raise ValueError("dictionary key is not a string")
        position = _skip(data, position, 0)
        value_start = position
        position = _skip(data, position, 0)
        if data[key_start:value_start] == b"4:info":
            info = (value_start, position)
    if info is None or data[info[0] : info[0] + 1] != b"d":
        raise ValueError("no info dictionary")
    info_bytes = data[info[0] : info[1]]
    ids = {hashlib.sha1(info_bytes).hexdigest()}  # noqa: S324 - BitTorrent v1 ids are SHA-1
    if b"12:meta versioni2e" in info_bytes:
        ids.add(hashlib.sha256(info_bytes).hexdigest()[:40])
    return frozenset(ids)


def _skip(data: bytes, position: int, depth: int) -> int:
    """Return the position just after the bencoded value that starts at ``position``."""
    if depth > _MAX_NESTING:
        raise ValueError("nested too deeply")
    lead = data[position : position + 1]
    if lead == b"i":
        end = data.index(b"e", position)
        int(data[position + 1 : end])
        return end + 1
    if lead in (b"l", b"d"):
        position += 1
        while data[position : position + 1] != b"e":
            if position >= len(data):
                raise ValueError("truncated")
            position = _skip(data, position, depth + 1)
        return position + 1
    if lead and lead in b"0123456789":
        colon = data.index(b":", position)
        end = colon + 1 + int(data[position:colon])
        if end > len(data):
            raise ValueError("truncated string")
        return end
    raise ValueError("not bencode")


async def _async_read_file(hass: HomeAssistant, path: str) -> bytes:
    if not hass.config.is_allowed_path(path):
        raise _invalid("path_not_allowed", path=path)

    def _read() -> bytes | None:
        file = Path(path)
        if not file.is_file():
            return None
        if file.stat().st_size > MAX_TORRENT_FILE_SIZE:
            raise _invalid("file_too_large", path=path, limit=_SIZE_LIMIT_MIB)
        return file.read_bytes()

    try:
        data = await hass.async_add_executor_job(_read)
    except OSError:
        data = None
    if data is None:
        raise _invalid("file_not_found", path=path)
    return data


def display_url(url: str) -> str:
    """``url`` without user info, query and fragment: a tracker's passkey must not be shown."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(invalid URL)"
    shown = f"{parts.scheme}://{host}{port}{parts.path}"
    return shown if len(shown) <= _MAX_SHOWN_URL else shown[: _MAX_SHOWN_URL - 1] + "…"


async def _async_download(hass: HomeAssistant, url: str) -> bytes:
    """Download ``url`` with Home Assistant's own session: at most 10 MiB."""
    session = async_get_clientsession(hass)
    shown = display_url(url)
    try:
        async with session.get(url, timeout=DOWNLOAD_TIMEOUT) as response:
            if response.status == 404:  # noqa: PLR2004
                raise _invalid("url_not_found", url=shown)
            if response.status >= 400:  # noqa: PLR2004
                raise _invalid("url_http_error", url=shown, status=str(response.status))
            if (response.content_length or 0) > MAX_TORRENT_FILE_SIZE:
                raise _invalid("url_too_large", url=shown, limit=_SIZE_LIMIT_MIB)
            body = bytearray()
            async for chunk in response.content.iter_chunked(_CHUNK_SIZE):
                body += chunk
                if len(body) > MAX_TORRENT_FILE_SIZE:
                    raise _invalid("url_too_large", url=shown, limit=_SIZE_LIMIT_MIB)
    except TimeoutError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="url_timeout", translation_placeholders={"url": shown}
        ) from err
    except aiohttp.ClientError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="url_unreachable",
            translation_placeholders={"url": shown, "error": type(err).__name__},
        ) from err
    return bytes(body)
