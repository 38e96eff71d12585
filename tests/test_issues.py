"""Repair issues against a real Deluge: raised when the problem is seen, gone once it is fixed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
import json
from pathlib import Path
import re
import time
from unittest.mock import AsyncMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.deluge_webapi.client import ServerInfo
from custom_components.deluge_webapi.const import DOMAIN
from custom_components.deluge_webapi.issues import DelugeIssue, is_supported, issue_id, parse_version
from tests.conftest import DelugeFactory, make_config_entry, setup_integration
from tests.deluge_harness import DelugeServer
from tests.integration_helpers import WAIT_STEP, deluge_call, poll

TRANSLATIONS = json.loads(
    (Path(__file__).parents[1] / "custom_components/deluge_webapi/translations/en.json").read_text()
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
POLL_ATTEMPTS = 20


def issues_of(issue_registry: ir.IssueRegistry, entry_id: str) -> dict[str, ir.IssueEntry]:
    """Return the repair issues of one entry, by translation key."""
    suffix = f"_{entry_id}"
    return {
        issue.translation_key or "": issue
        for (domain, key), issue in issue_registry.issues.items()
        if domain == DOMAIN and key.endswith(suffix)
    }


def assert_issue(issue_registry: ir.IssueRegistry, entry_id: str, issue: DelugeIssue) -> ir.IssueEntry:
    """Check that the entry has only ``issue``, not fixable here, with every placeholder its text needs."""
    issues = issues_of(issue_registry, entry_id)
    assert list(issues) == [issue.value]
    entry = issues[issue.value]
    assert entry.issue_id == issue_id(issue, entry_id)
    assert entry.is_fixable is False
    assert entry.active
    texts = TRANSLATIONS["issues"][issue.value]
    needed = {name for text in texts.values() for name in _PLACEHOLDER.findall(text)}
    assert set(entry.translation_placeholders or {}) == needed
    return entry


async def poll_until(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, check: Callable[[], bool], what: str
) -> None:
    """Poll (real time passing between polls) until ``check`` holds; Deluge acts in its own time.

    Few polls: each moves the frozen clock on, and an hour on it expires the Web UI's session cookie.
    """
    for _ in range(POLL_ATTEMPTS):
        await poll(hass, freezer)
        if check():
            return
        await hass.async_add_executor_job(time.sleep, WAIT_STEP)
    raise AssertionError(f"timed out waiting until {what}")


async def test_webapi_disabled_and_enabled_again(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    server = deluge_factory()
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    coordinator = entry.runtime_data.coordinator
    assert issues_of(issue_registry, entry.entry_id) == {}

    # Deluge 2.2.0 keeps a disabled plugin's Web UI methods until deluge-web restarts.
    await deluge_call(hass, server, "core.disable_plugin", "WebAPI")
    server.webapi_enabled = False
    await hass.async_add_executor_job(server.restart_web)
    await poll(hass, freezer)

    issue = assert_issue(issue_registry, entry.entry_id, DelugeIssue.WEBAPI_MISSING)
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["server"] == entry.title
    assert issue.learn_more_url == issue.translation_placeholders["plugin_url"]
    assert not coordinator.last_update_success

    await deluge_call(hass, server, "core.enable_plugin", "WebAPI")
    await poll_until(
        hass, freezer, lambda: not issues_of(issue_registry, entry.entry_id), "the issue goes away"
    )
    assert coordinator.last_update_success


async def test_daemon_stopped_and_started_again(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    server = deluge_factory()
    entry = make_config_entry(server)
    await setup_integration(hass, entry)
    # Without a daemon some of Deluge's calls never answer: keep a failing poll short.
    entry.runtime_data.client.request_timeout = 3.0

    await hass.async_add_executor_job(server.stop_daemon)
    await poll(hass, freezer)

    issue = assert_issue(issue_registry, entry.entry_id, DelugeIssue.DAEMON_NOT_CONNECTED)
    assert issue.learn_more_url is None

    await poll(hass, freezer)  # connecting it fails again: still the one issue
    assert_issue(issue_registry, entry.entry_id, DelugeIssue.DAEMON_NOT_CONNECTED)

    await hass.async_add_executor_job(server.start_daemon)
    await poll_until(
        hass, freezer, lambda: not issues_of(issue_registry, entry.entry_id), "the issue goes away"
    )
    assert entry.runtime_data.coordinator.last_update_success


async def test_deluge_unreachable_leaves_the_issues_alone(
    hass: HomeAssistant,
    deluge_factory: DelugeFactory,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A Web UI that does not answer says nothing about the plugin: no issue comes or goes."""
    server = deluge_factory()
    entry = make_config_entry(server)
    await setup_integration(hass, entry)

    await hass.async_add_executor_job(server.stop_web)
    await poll(hass, freezer)

    assert not entry.runtime_data.coordinator.last_update_success
    assert issues_of(issue_registry, entry.entry_id) == {}


async def test_raised_at_setup_and_per_server(
    hass: HomeAssistant,
    deluge: DelugeServer,
    deluge_factory: DelugeFactory,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A server set up without the plugin gets the issue; the other server, none. Enabling it clears it."""
    working = make_config_entry(deluge)
    await setup_integration(hass, working)
    server = deluge_factory(webapi_enabled=False)
    template = make_config_entry(server)
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id="01JDELUGEWEBAPISECONDENTRY",
        title="Second",
        data=template.data,
        unique_id=template.unique_id,
    )
    await setup_integration(hass, entry)

    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert working.state is ConfigEntryState.LOADED
    assert_issue(issue_registry, entry.entry_id, DelugeIssue.WEBAPI_MISSING)
    assert issues_of(issue_registry, working.entry_id) == {}

    await deluge_call(hass, server, "core.enable_plugin", "WebAPI")
    await poll_until(
        hass, freezer, lambda: entry.state is ConfigEntryState.LOADED, "the entry's set-up is retried"
    )
    assert issues_of(issue_registry, entry.entry_id) == {}


@pytest.mark.parametrize(
    "info",
    [
        ServerInfo(daemon_version="1.3.15", webapi_version="0.4.0"),
        ServerInfo(daemon_version="2.2.0", webapi_version="0.3.1"),
    ],
)
async def test_unsupported_version_until_upgraded(
    hass: HomeAssistant,
    deluge: DelugeServer,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    info: ServerInfo,
) -> None:
    """The real Deluge's versions, but for the set-up: it sees older ones (as if upgraded since)."""
    entry = make_config_entry(deluge)
    with patch(
        "custom_components.deluge_webapi.client.DelugeWebClient.get_server_info", AsyncMock(return_value=info)
    ):
        await setup_integration(hass, entry)

    assert entry.state is ConfigEntryState.LOADED  # it still tries
    issue = assert_issue(issue_registry, entry.entry_id, DelugeIssue.UNSUPPORTED_VERSION)
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["deluge_version"] == info.daemon_version
    assert issue.translation_placeholders["webapi_version"] == info.webapi_version
    assert issue.translation_placeholders["min_deluge"] == "2.0"
    assert issue.translation_placeholders["min_webapi"] == "0.4.0"

    await poll(hass, freezer, timedelta(seconds=30))  # the real versions are read again

    assert issues_of(issue_registry, entry.entry_id) == {}
    assert entry.runtime_data.coordinator.server_info == ServerInfo(
        daemon_version="2.2.0", webapi_version="0.4.0"
    )


async def test_supported_versions_are_read_once(
    hass: HomeAssistant, deluge: DelugeServer, freezer: FrozenDateTimeFactory
) -> None:
    entry = make_config_entry(deluge)
    await setup_integration(hass, entry)
    client = entry.runtime_data.client

    with patch.object(client, "get_server_info", wraps=client.get_server_info) as get_server_info:
        await poll(hass, freezer)

    get_server_info.assert_not_called()


async def test_issues_go_with_the_entry(
    hass: HomeAssistant,
    deluge: DelugeServer,
    issue_registry: ir.IssueRegistry,
) -> None:
    entry = make_config_entry(deluge)
    with patch(
        "custom_components.deluge_webapi.client.DelugeWebClient.get_server_info",
        AsyncMock(return_value=ServerInfo(daemon_version="1.3.15", webapi_version="0.4.0")),
    ):
        await setup_integration(hass, entry)
    assert issues_of(issue_registry, entry.entry_id)

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    assert issues_of(issue_registry, entry.entry_id) == {}


@pytest.mark.parametrize(
    ("text", "version"),
    [("2.2.0", (2, 2, 0)), ("2.2.1.dev0", (2, 2, 1)), ("v0.4.0", (0, 4, 0)), ("1.3", (1, 3)), ("dev", None)],
)
def test_parse_version(text: str, version: tuple[int, ...] | None) -> None:
    assert parse_version(text) == version


@pytest.mark.parametrize(
    ("deluge", "webapi", "supported"),
    [
        ("2.0.3", "0.4.0", True),
        ("2.2.1.dev0", "0.4.1", True),
        ("1.3.15", "0.4.0", False),
        ("2.1.1", "0.3.9", False),
        ("unknown", "also unknown", True),  # no reason to complain
    ],
)
def test_supported_versions(deluge: str, webapi: str, supported: bool) -> None:
    assert is_supported(ServerInfo(daemon_version=deluge, webapi_version=webapi)) is supported
