"""Make a Deluge Web UI client with a Home Assistant HTTP session."""

from __future__ import annotations

from aiohttp import CookieJar
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_create_clientsession

from .client import DelugeAddress, DelugeWebClient


def create_client(
    hass: HomeAssistant, host: DelugeAddress | str, password: str, verify_ssl: bool
) -> DelugeWebClient:
    """Return a client for the Deluge Web UI at ``host``, on a session of its own.

    The session keeps its own cookies (Deluge's ``_session_id``) and accepts them from IP-address
    hosts too: aiohttp's default cookie jar drops those, and every call after the login would then
    be refused. Home Assistant closes the session when it stops.
    """
    session = async_create_clientsession(hass, verify_ssl=verify_ssl, cookie_jar=CookieJar(unsafe=True))
    return DelugeWebClient(session, host, password, verify_ssl=verify_ssl)
