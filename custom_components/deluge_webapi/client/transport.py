"""The request core: one JSON-RPC call over the caller's aiohttp session, with login and re-login."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import itertools
import logging
from typing import Any

import aiohttp

from .address import DelugeAddress
from .exceptions import (
    DelugeAuthenticationError,
    DelugeConnectionError,
    DelugeDaemonNotConnectedError,
    DelugeLabelPluginMissingError,
    DelugeMethodNotFoundError,
    DelugeResponseError,
    DelugeSSLError,
    DelugeTimeoutError,
    DelugeWebApiMissingError,
)
from .rpc import NotAuthenticatedError, decode_response, expect, result_or_raise

LOGGER = logging.getLogger(__package__)

DEFAULT_REQUEST_TIMEOUT = 10.0
_HTTP_OK = 200
_PROXY_UNAVAILABLE = frozenset({502, 503, 504})
_REDIRECTS = range(300, 400)
# Namespaces the web UI itself serves; the others only exist while it is connected to a daemon.
_LOCAL_NAMESPACES = ("auth.", "web.", "system.")
# Above this size a body is decoded in a worker thread: decoding takes ~4 ms per MB, and a
# 10,000-torrent get_torrents answer is ~5 MB.
DECODE_OFF_LOOP_BYTES = 1 << 20


async def off_loop_if[T, R](condition: bool, function: Callable[[T], R], argument: T) -> R:
    """Return ``function(argument)``, computed in the loop's default executor when ``condition``.

    For the work on a big answer (decoding, parsing), which would otherwise hold the event
    loop, and whatever else runs on it, for tens of milliseconds.
    """
    if not condition:
        return function(argument)
    return await asyncio.get_running_loop().run_in_executor(None, function, argument)


class DelugeJsonRpc:
    """Deluge's /json endpoint: the request core of DelugeWebClient (see its docstring)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        address: DelugeAddress | str,
        password: str,
        *,
        verify_ssl: bool = True,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        self.address = address if isinstance(address, DelugeAddress) else DelugeAddress.parse(address)
        self.request_timeout = request_timeout
        self._session = session
        self._password = password
        self._ssl = verify_ssl  # aiohttp: True verifies, False skips verification
        self._login_lock = asyncio.Lock()
        self._logins = 0  # successful logins so far; a change tells a waiter someone logged in
        self._refusals = 0  # refused logins so far; a change tells a waiter not to try the password again
        self._request_ids = itertools.count(1)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(address={self.address.base_url!r})"

    # The request core

    async def _post(
        self, method: str, params: list[object], decode: Callable[[bytes], object] = decode_response
    ) -> object:
        """POST one JSON-RPC request and return its result; every failure becomes a DelugeError.

        ``decode`` turns the answer's body into its JSON-RPC document (see ``_call``).
        """
        payload = {"id": next(self._request_ids), "method": method, "params": params}
        LOGGER.debug("Calling %s on %s", method, self.address)
        try:
            async with asyncio.timeout(self.request_timeout):
                status, content_type, body = await self._send(payload)
        except TimeoutError as err:
            raise DelugeTimeoutError(
                f"Deluge at {self.address} did not answer {method} within {self.request_timeout:g} s"
            ) from err
        except (aiohttp.ClientSSLError, aiohttp.ClientConnectorCertificateError) as err:
            raise DelugeSSLError(f"TLS error talking to Deluge at {self.address}: {err}") from err
        except (aiohttp.ClientError, OSError) as err:
            raise DelugeConnectionError(
                f"Cannot reach Deluge at {self.address}: {str(err) or type(err).__name__}"
            ) from err
        if status != _HTTP_OK:
            if status in _PROXY_UNAVAILABLE:
                # A reverse proxy saying that Deluge behind it is down: a connection problem.
                raise DelugeConnectionError(f"{self.address} answered HTTP {status}: Deluge is unreachable")
            hint = " (check http/https and the path)" if status in _REDIRECTS else ""
            raise DelugeResponseError(
                f"{self.address} answered HTTP {status} ({content_type}) instead of Deluge's JSON-RPC{hint}"
            )
        document = await off_loop_if(len(body) > DECODE_OFF_LOOP_BYTES, decode, body)
        return result_or_raise(method, document)

    async def _send(self, payload: dict[str, object]) -> tuple[int, str, bytes]:
        # A keep-alive connection that the server has closed (deluge-web restarted) fails at
        # once with ServerDisconnectedError, before Deluge saw the request: send it once more.
        try:
            return await self._send_once(payload)
        except aiohttp.ServerDisconnectedError:
            LOGGER.debug("Connection to %s was closed, sending again", self.address)
        return await self._send_once(payload)

    async def _send_once(self, payload: dict[str, object]) -> tuple[int, str, bytes]:
        async with self._session.post(
            self.address.json_url, json=payload, ssl=self._ssl, allow_redirects=False
        ) as response:
            return response.status, response.content_type, await response.read()

    # Session

    async def login(self) -> None:
        """Log in with the password; raises DelugeAuthenticationError when Deluge refuses it."""
        async with self._login_lock:
            await self._login()

    async def _login(self) -> None:
        result = await self._post("auth.login", [self._password])
        if result is False:
            self._refusals += 1
            raise DelugeAuthenticationError(f"Deluge at {self.address} refused the password")
        if result is not True:
            raise DelugeResponseError("auth.login answered neither true nor false")
        self._logins += 1
        LOGGER.debug("Logged in to %s", self.address)

    async def call(self, method: str, *params: Any) -> Any:
        """Call any JSON-RPC method with JSON-serialisable params; see ``_call``."""
        return await self._call(method, *params)

    async def _call(
        self, method: str, *params: object, decode: Callable[[bytes], object] = decode_response
    ) -> object:
        """Call any JSON-RPC method: log in first if needed, and again once on "Not authenticated".

        ``decode`` replaces ``decode_response`` for the answer's body, for a caller that knows a
        faster way to read it (TorrentListParser.decode_answer); a big body is decoded off the loop.

        "Unknown method" (code 2) is explained: DelugeDaemonNotConnectedError when the web UI is
        not connected to a daemon, else DelugeWebApiMissingError for ``webapi.*``,
        DelugeLabelPluginMissingError for ``label.*``, DelugeMethodNotFoundError otherwise.
        """
        try:
            return await self._call_authenticated(method, list(params), decode)
        except DelugeMethodNotFoundError as err:
            if method.startswith(_LOCAL_NAMESPACES):
                raise
            if not await self.web_connected():
                raise DelugeDaemonNotConnectedError(
                    f"The web UI at {self.address} is not connected to a Deluge daemon"
                ) from err
            if method.startswith("webapi."):
                raise DelugeWebApiMissingError(
                    f"The WebAPI plugin is not enabled in Deluge at {self.address}"
                ) from err
            if method.startswith("label."):
                raise DelugeLabelPluginMissingError(
                    f"The Label plugin is not enabled in Deluge at {self.address}"
                ) from err
            raise

    async def _call_authenticated(
        self, method: str, params: list[object], decode: Callable[[bytes], object]
    ) -> object:
        logins, refusals = self._logins, self._refusals
        if not logins:
            await self._login_unless_done(0, refusals)
            logins = self._logins
        try:
            return await self._post(method, params, decode)
        except NotAuthenticatedError:
            LOGGER.debug("Deluge at %s asks for a new login", self.address)
        await self._login_unless_done(logins, refusals)
        try:
            return await self._post(method, params, decode)
        except NotAuthenticatedError:
            raise DelugeAuthenticationError(
                f"Deluge at {self.address} still answers 'Not authenticated' after a fresh login;"
                " is the session's cookie jar dropping its cookie? (IP hosts need CookieJar(unsafe=True))"
            ) from None

    async def _login_unless_done(self, logins: int, refusals: int) -> None:
        """Log in, unless a concurrent call logged in, or had the password refused, meanwhile.

        Concurrent calls that all find the session gone send one login between them; when Deluge
        refuses the password, the others fail with it instead of sending it again.
        """
        async with self._login_lock:
            if self._refusals != refusals:
                raise DelugeAuthenticationError(f"Deluge at {self.address} refused the password")
            if self._logins == logins:
                await self._login()

    async def web_connected(self) -> bool:
        """Whether the web UI is connected to a Deluge daemon."""
        return expect(await self._call("web.connected"), bool, "web.connected")
