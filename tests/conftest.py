"""Fixtures shared by every test: a real Deluge, and Home Assistant with custom integrations."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
import os
from pathlib import Path

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
import pytest_socket
from syrupy.assertion import SnapshotAssertion

from custom_components.deluge_webapi.client import DelugeAddress
from custom_components.deluge_webapi.const import DOMAIN
from tests.deluge_harness import DelugeServer

type DelugeFactory = Callable[..., DelugeServer]
"""What the ``deluge_factory`` fixture gives: start a Deluge of the test's own, in any variant."""

# Non-ASCII and quote characters: the password must survive JSON, hashing and logging untouched.
DELUGE_PASSWORD = "pässwörd \"quoted\" 'single' ✓"


# Fixed, so that unique ids (entry id + key) in snapshots are the same on every run.
ENTRY_ID = "01JDELUGEWEBAPITESTENTRY00"
ENTRY_TITLE = "Deluge"


def make_config_entry(
    server: DelugeServer, *, password: str | None = None, options: dict[str, object] | None = None
) -> MockConfigEntry:
    """A config entry for ``server`` as the config flow makes it (data, unique id), with options."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=ENTRY_ID,
        title=ENTRY_TITLE,
        unique_id=DelugeAddress.parse(server.url).normalized,
        data={
            CONF_HOST: server.url,
            CONF_PASSWORD: server.password if password is None else password,
            CONF_VERIFY_SSL: True,
        },
        options=options or {},
    )


async def setup_integration(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add ``entry`` to Home Assistant and set it up (whatever the outcome)."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
def mock_config_entry(deluge: DelugeServer) -> MockConfigEntry:
    """A config entry for the shared real Deluge."""
    return make_config_entry(deluge)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip snapshot tests on the minimum Home Assistant: snapshots record the current one."""
    del config
    if os.environ.get("DELUGE_WEBAPI_HA_TARGET") != "minimum":
        return
    skip = pytest.mark.skip(reason="snapshots are recorded against the current Home Assistant")
    for item in items:
        if "snapshot" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Syrupy with Home Assistant's extension: ids and times masked, files in tests/snapshots/."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/ in every test."""


@pytest.fixture(scope="session")
def deluge_session_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DelugeServer]:
    """One real Deluge shared by the tests that leave it as they found it."""
    pytest_socket.enable_socket()
    server = DelugeServer(tmp_path_factory.mktemp("deluge"), password=DELUGE_PASSWORD)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def deluge(deluge_session_server: DelugeServer, socket_enabled: None) -> DelugeServer:
    """The shared real Deluge, with sockets allowed for this test."""
    return deluge_session_server


@pytest.fixture
def deluge_factory(tmp_path: Path, socket_enabled: None) -> Generator[DelugeFactory]:
    """Start a Deluge of this test's own, in any variant; every one is stopped afterwards."""
    servers: list[DelugeServer] = []

    def start(*, start: bool = True, **variant: object) -> DelugeServer:
        server = DelugeServer(tmp_path / f"deluge{len(servers)}", **variant)  # type: ignore[arg-type]
        servers.append(server)
        return server.start() if start else server

    yield start
    for server in servers:
        server.stop()
