"""Exceptions of the Deluge Web client: one hierarchy, one base.

No message of these exceptions ever contains the password or the session cookie: they are built
from the address, the method name, the HTTP status and Deluge's one-line error text only.
"""

from __future__ import annotations


class DelugeError(Exception):
    """Base of every error the client raises."""


class DelugeInvalidAddressError(DelugeError, ValueError):
    """The text given as Deluge's address is not a usable http(s) address."""


class DelugeConnectionError(DelugeError):
    """Deluge cannot be reached: DNS, refused, reset, TLS, or a proxy's 502/503/504."""


class DelugeTimeoutError(DelugeConnectionError):
    """Deluge did not answer within the request timeout."""


class DelugeSSLError(DelugeConnectionError):
    """The TLS certificate of the server could not be verified."""


class DelugeAuthenticationError(DelugeError):
    """Wrong password, or still "Not authenticated" after logging in again once."""


class DelugeMethodNotFoundError(DelugeError):
    """Deluge answered "Unknown method" (JSON-RPC error code 2)."""


class DelugeWebApiMissingError(DelugeMethodNotFoundError):
    """The web UI is connected to a daemon, but the WebAPI plugin is not loaded or enabled."""


class DelugeDaemonNotConnectedError(DelugeError):
    """The web UI is not connected to a Deluge daemon (and connecting it failed)."""


class DelugeLabelPluginMissingError(DelugeError):
    """The Label plugin is not enabled in Deluge."""


class DelugeResponseError(DelugeError):
    """The answer is not Deluge's JSON-RPC: not JSON, an HTML page, a 4xx, a wrong shape."""


class DelugeServerError(DelugeError):
    """Deluge reported an error (JSON-RPC codes 3, 4 and 5).

    ``message`` is one line, such as ``AddTorrentError: Torrent already in session (...)``,
    never Deluge's traceback. ``method`` is the JSON-RPC method that failed.
    """

    def __init__(self, message: str, *, code: int, method: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.method = method

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code}, method={self.method!r})"


class DelugeTorrentNotFoundError(DelugeServerError):
    """No torrent with that id is in the session."""


class DelugeDuplicateTorrentError(DelugeServerError):
    """The torrent is already in the session; ``torrent_id`` is its id when Deluge names it."""

    def __init__(self, message: str, *, code: int, method: str, torrent_id: str | None = None) -> None:
        super().__init__(message, code=code, method=method)
        self.torrent_id = torrent_id


class DelugeInvalidTorrentError(DelugeServerError):
    """Not a torrent Deluge can add: bad magnet URI, bad base64, undecodable metainfo.

    Raised by the client itself, before calling Deluge, when it can tell (``code`` is 0 then).
    """
