"""Repair issues: what is wrong on the Deluge side, with the steps to fix it there.

Each issue is raised when a poll (or the set-up) sees its condition and deleted again by the
first poll that no longer does. None can be fixed from Home Assistant (``is_fixable`` False).
Issue ids carry the config entry id, so two Deluge servers never share one.
"""

from __future__ import annotations

from enum import StrEnum
import re
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .client import DelugeDaemonNotConnectedError, DelugeError, DelugeWebApiMissingError, ServerInfo
from .const import DOMAIN

MIN_DELUGE_VERSION: Final = (2, 0)
MIN_WEBAPI_VERSION: Final = (0, 4, 0)
# The plugin's project page (it says where its .egg files are); translations carry no URLs.
WEBAPI_PLUGIN_URL: Final = "https://github.com/idlesign/deluge-webapi"
_VERSION = re.compile(r"\s*v?(\d+(?:\.\d+)*)")


class DelugeIssue(StrEnum):
    """The repair issues of a Deluge server; each value is its translation key in en.json."""

    WEBAPI_MISSING = "webapi_missing"
    DAEMON_NOT_CONNECTED = "daemon_not_connected"
    UNSUPPORTED_VERSION = "unsupported_version"


_SEVERITY: Final = {
    DelugeIssue.WEBAPI_MISSING: ir.IssueSeverity.ERROR,
    DelugeIssue.DAEMON_NOT_CONNECTED: ir.IssueSeverity.ERROR,
    DelugeIssue.UNSUPPORTED_VERSION: ir.IssueSeverity.WARNING,
}


def issue_id(issue: DelugeIssue, entry_id: str) -> str:
    """Return the issue registry id of ``issue`` for one config entry."""
    return f"{issue.value}_{entry_id}"


def _create(hass: HomeAssistant, entry_id: str, issue: DelugeIssue, placeholders: dict[str, str]) -> None:
    """Raise ``issue`` (or refresh it: the registry only reports a change)."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(issue, entry_id),
        is_fixable=False,
        severity=_SEVERITY[issue],
        translation_key=issue.value,
        translation_placeholders=placeholders,
        learn_more_url=WEBAPI_PLUGIN_URL if issue is not DelugeIssue.DAEMON_NOT_CONNECTED else None,
    )


def _delete(hass: HomeAssistant, entry_id: str, issue: DelugeIssue) -> None:
    ir.async_delete_issue(hass, DOMAIN, issue_id(issue, entry_id))


@callback
def async_report_poll_problem(
    hass: HomeAssistant, entry_id: str, server: str, error: DelugeError | None
) -> None:
    """Follow what the last poll found: ``error`` when it failed, None when it succeeded.

    A success clears both issues. "WebAPI missing" is only raised while the Web UI is connected
    to its daemon, so it also clears "daemon not connected"; without a daemon nothing can be told
    about the plugin, so that leaves "WebAPI missing" as it was. Any other failure (Deluge
    unreachable, a timeout) says nothing about either.
    """
    if error is None:
        _delete(hass, entry_id, DelugeIssue.WEBAPI_MISSING)
        _delete(hass, entry_id, DelugeIssue.DAEMON_NOT_CONNECTED)
    elif isinstance(error, DelugeWebApiMissingError):
        _create(
            hass, entry_id, DelugeIssue.WEBAPI_MISSING, {"server": server, "plugin_url": WEBAPI_PLUGIN_URL}
        )
        _delete(hass, entry_id, DelugeIssue.DAEMON_NOT_CONNECTED)
    elif isinstance(error, DelugeDaemonNotConnectedError):
        _create(hass, entry_id, DelugeIssue.DAEMON_NOT_CONNECTED, {"server": server})


def parse_version(text: str) -> tuple[int, ...] | None:
    """Return the leading numbers of a version ("2.2.1.dev0" -> (2, 2, 1)); None when there are none."""
    if (match := _VERSION.match(text)) is None:
        return None
    return tuple(int(part) for part in match.group(1).split("."))


def is_supported(info: ServerInfo) -> bool:
    """Return False when Deluge or the plugin is older than supported; unreadable versions pass."""
    deluge = parse_version(info.daemon_version)
    webapi = parse_version(info.webapi_version)
    return (deluge is None or deluge >= MIN_DELUGE_VERSION) and (
        webapi is None or webapi >= MIN_WEBAPI_VERSION
    )


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


@callback
def async_check_versions(hass: HomeAssistant, entry_id: str, server: str, info: ServerInfo) -> bool:
    """Raise or clear "unsupported version" for the versions Deluge reports; True when supported."""
    if is_supported(info):
        _delete(hass, entry_id, DelugeIssue.UNSUPPORTED_VERSION)
        return True
    _create(
        hass,
        entry_id,
        DelugeIssue.UNSUPPORTED_VERSION,
        {
            "server": server,
            "deluge_version": info.daemon_version,
            "webapi_version": info.webapi_version,
            "min_deluge": _dotted(MIN_DELUGE_VERSION),
            "min_webapi": _dotted(MIN_WEBAPI_VERSION),
            "plugin_url": WEBAPI_PLUGIN_URL,
        },
    )
    return False


@callback
def async_delete_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Delete every issue of a config entry (it was unloaded or removed)."""
    for issue in DelugeIssue:
        _delete(hass, entry_id, issue)
