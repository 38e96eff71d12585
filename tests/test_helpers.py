"""The one mapping from client errors to translated Home Assistant errors."""

from __future__ import annotations

from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.deluge_webapi.client import (
    DelugeAuthenticationError,
    DelugeConnectionError,
    DelugeDaemonNotConnectedError,
    DelugeError,
    DelugeLabelPluginMissingError,
    DelugeResponseError,
    DelugeServerError,
    DelugeTimeoutError,
    DelugeTorrentNotFoundError,
    DelugeWebApiMissingError,
)
from custom_components.deluge_webapi.const import DOMAIN
from custom_components.deluge_webapi.helpers import deluge_error_to_ha, translate_deluge_errors


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (DelugeAuthenticationError("refused"), "invalid_auth"),
        (DelugeWebApiMissingError("no plugin"), "webapi_missing"),
        (DelugeDaemonNotConnectedError("no daemon"), "daemon_not_connected"),
        (DelugeConnectionError("refused"), "cannot_connect"),
        (DelugeTimeoutError("slow"), "cannot_connect"),
        (DelugeResponseError("html"), "invalid_response"),
        (DelugeTorrentNotFoundError("gone", code=4, method="core.pause_torrents"), "torrent_not_found"),
        (DelugeServerError("boom", code=4, method="core.pause_session"), "server_error"),
        (DelugeLabelPluginMissingError("no label"), "unknown"),
    ],
)
def test_deluge_error_to_ha(error: DelugeError, key: str) -> None:
    translated = deluge_error_to_ha(error)

    assert type(translated) is HomeAssistantError
    assert translated.translation_domain == DOMAIN
    assert translated.translation_key == key
    assert translated.translation_placeholders == {"error": str(error)}


def test_translate_deluge_errors_chains_the_client_error() -> None:
    error = DelugeConnectionError("Cannot reach Deluge at http://nas.local:8112")

    with pytest.raises(HomeAssistantError) as raised, translate_deluge_errors():
        raise error

    assert raised.value.translation_key == "cannot_connect"
    assert raised.value.__cause__ is error
