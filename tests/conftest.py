"""Fixtures shared by every test: a real Deluge, and Home Assistant with custom integrations."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
import pytest_socket

from tests.deluge_harness import DelugeServer

# Non-ASCII and quote characters: the password must survive JSON, hashing and logging untouched.
DELUGE_PASSWORD = "pässwörd \"quoted\" 'single' ✓"


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
def deluge_factory(tmp_path: Path, socket_enabled: None) -> Generator[Callable[..., DelugeServer]]:
    """Start a Deluge of this test's own, in any variant; every one is stopped afterwards."""
    servers: list[DelugeServer] = []

    def start(*, start: bool = True, **variant: object) -> DelugeServer:
        server = DelugeServer(tmp_path / f"deluge{len(servers)}", **variant)  # type: ignore[arg-type]
        servers.append(server)
        return server.start() if start else server

    yield start
    for server in servers:
        server.stop()
