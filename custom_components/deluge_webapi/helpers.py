"""Client errors as Home Assistant errors: the one mapping, for polling and for actions."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate, NoReturn

from homeassistant.exceptions import HomeAssistantError

from .client import (
    DelugeAuthenticationError,
    DelugeConnectionError,
    DelugeDaemonNotConnectedError,
    DelugeError,
    DelugeResponseError,
    DelugeServerError,
    DelugeTorrentNotFoundError,
    DelugeWebApiMissingError,
)
from .const import DOMAIN

if TYPE_CHECKING:
    from .entity import DelugeWebApiEntity

# Most specific first: the first matching class names the translation key in en.json "exceptions".
_TRANSLATION_KEYS: tuple[tuple[type[DelugeError], str], ...] = (
    (DelugeAuthenticationError, "invalid_auth"),
    (DelugeWebApiMissingError, "webapi_missing"),
    (DelugeDaemonNotConnectedError, "daemon_not_connected"),
    (DelugeConnectionError, "cannot_connect"),
    (DelugeResponseError, "invalid_response"),
    (DelugeTorrentNotFoundError, "torrent_not_found"),
    (DelugeServerError, "server_error"),
)


def deluge_error_translation(err: DelugeError) -> tuple[str, dict[str, str]]:
    """Return the translation key and placeholders that describe a client error.

    Client messages never hold the password or the session cookie, so they may be shown.
    """
    for error_type, key in _TRANSLATION_KEYS:
        if isinstance(err, error_type):
            return key, {"error": str(err)}
    return "unknown", {"error": str(err)}


def deluge_error_to_ha(err: DelugeError) -> HomeAssistantError:
    """Return a translated HomeAssistantError for a failed Deluge call (an action or a service)."""
    key, placeholders = deluge_error_translation(err)
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def raise_for_deluge_error(err: DelugeError) -> NoReturn:
    """Raise the translated HomeAssistantError for ``err``, chained to it."""
    raise deluge_error_to_ha(err) from err


@contextmanager
def translate_deluge_errors() -> Iterator[None]:
    """Turn client errors raised in the block into translated HomeAssistantErrors."""
    try:
        yield
    except DelugeError as err:
        raise_for_deluge_error(err)


def deluge_exception_handler[EntityT: DelugeWebApiEntity, **P](
    func: Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]]:
    """Decorate an entity action: translate client errors, refresh the data after a success.

    A refused password also starts reauthentication at once, rather than at the next poll.
    """

    @wraps(func)
    async def handler(self: EntityT, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(self, *args, **kwargs)
        except DelugeAuthenticationError as err:
            self.coordinator.config_entry.async_start_reauth(self.hass)
            raise_for_deluge_error(err)
        except DelugeError as err:
            raise_for_deluge_error(err)
        await self.coordinator.async_request_refresh()

    return handler
