"""An async client for Deluge's Web UI and its WebAPI plugin; it imports nothing from Home Assistant."""

from .address import DEFAULT_PORT, DelugeAddress
from .client import DelugeWebClient
from .exceptions import (
    DelugeAuthenticationError,
    DelugeConnectionError,
    DelugeDaemonNotConnectedError,
    DelugeDuplicateTorrentError,
    DelugeError,
    DelugeInvalidAddressError,
    DelugeInvalidTorrentError,
    DelugeLabelPluginMissingError,
    DelugeMethodNotFoundError,
    DelugeResponseError,
    DelugeServerError,
    DelugeSSLError,
    DelugeTimeoutError,
    DelugeTorrentNotFoundError,
    DelugeWebApiMissingError,
)
from .models import KNOWN_STATES, TORRENT_FIELDS, ServerInfo, SessionStatus, Torrent, TorrentListParser
from .transport import DEFAULT_REQUEST_TIMEOUT

__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_REQUEST_TIMEOUT",
    "KNOWN_STATES",
    "TORRENT_FIELDS",
    "DelugeAddress",
    "DelugeAuthenticationError",
    "DelugeConnectionError",
    "DelugeDaemonNotConnectedError",
    "DelugeDuplicateTorrentError",
    "DelugeError",
    "DelugeInvalidAddressError",
    "DelugeInvalidTorrentError",
    "DelugeLabelPluginMissingError",
    "DelugeMethodNotFoundError",
    "DelugeResponseError",
    "DelugeSSLError",
    "DelugeServerError",
    "DelugeTimeoutError",
    "DelugeTorrentNotFoundError",
    "DelugeWebApiMissingError",
    "DelugeWebClient",
    "ServerInfo",
    "SessionStatus",
    "Torrent",
    "TorrentListParser",
]
