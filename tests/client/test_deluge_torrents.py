"""The client against a real Deluge 2.2.0 with WebAPI 0.4.0: torrents, labels, session."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
import secrets
import time
from uuid import uuid4

import pytest

from custom_components.deluge_webapi.client import (
    DelugeDuplicateTorrentError,
    DelugeInvalidTorrentError,
    DelugeServerError,
    DelugeTorrentNotFoundError,
    DelugeWebClient,
    ServerInfo,
    SessionStatus,
    Torrent,
    TorrentListParser,
)
from tests.deluge_harness import DelugeServer, TorrentFile, make_torrent

from .conftest import RequestLog

WAIT_SECONDS = 20.0
REMOVE_DATA = True


async def eventually[T](probe: Callable[[], Awaitable[T]], check: Callable[[T], bool]) -> T:
    """Probe until check passes; webapi answers can be up to 1.5 s stale."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        value = await probe()
        if check(value):
            return value
        assert time.monotonic() < deadline, f"still {value!r}"
        await asyncio.sleep(0.1)


def wait_until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.1)


@pytest.fixture
def torrent_file(deluge: DelugeServer) -> TorrentFile:
    """A real v1 .torrent whose data already sits in the shared Deluge's download folder."""
    return make_torrent(deluge.download_dir, f"client-{uuid4().hex}.bin")


@pytest.fixture
async def added(deluge: DelugeServer) -> AsyncIterator[list[str]]:
    """Ids this test added to the shared Deluge: whatever is left is removed with its data."""
    ids: list[str] = []
    yield ids
    present = deluge.torrents()
    for torrent_id in ids:
        if torrent_id in present:
            deluge.call("webapi.remove_torrent", torrent_id, REMOVE_DATA)


@pytest.fixture
async def seeding(client: DelugeWebClient, torrent_file: TorrentFile, added: list[str]) -> str:
    """The id of a torrent that seeds in the shared Deluge."""
    torrent_id = await client.add_torrent(torrent_file.metainfo)
    added.append(torrent_id)
    await eventually(client.get_torrents, lambda torrents: _state(torrents, torrent_id) == "Seeding")
    return torrent_id


def _state(torrents: dict[str, Torrent], torrent_id: str) -> str | None:
    return torrents[torrent_id].state if torrent_id in torrents else None


async def test_add_a_torrent_file_and_read_it_back(
    client: DelugeWebClient, deluge: DelugeServer, torrent_file: TorrentFile, added: list[str]
) -> None:
    torrent_id = await client.add_torrent(torrent_file.metainfo)
    added.append(torrent_id)

    assert torrent_id == torrent_file.info_hash
    torrents = await eventually(client.get_torrents, lambda found: _state(found, torrent_id) == "Seeding")
    torrent = torrents[torrent_id]
    assert torrent.name == torrent_file.name
    assert torrent.progress == 100.0
    assert torrent.total_size == torrent.total_done == torrent_file.data_path.stat().st_size
    assert torrent.save_path == str(deluge.download_dir)
    assert torrent.is_finished is True
    assert torrent.paused is False
    assert torrent.label == ""
    assert torrent.eta is None
    assert torrent.time_added is not None
    assert torrent.time_added > 1_600_000_000
    assert torrent.tracker_host == "127.0.0.1"
    assert deluge.torrents()[torrent_id]["state"] == "Seeding"


async def test_add_base64_text(
    client: DelugeWebClient, deluge: DelugeServer, torrent_file: TorrentFile, added: list[str]
) -> None:
    encoded = base64.encodebytes(torrent_file.metainfo).decode()  # wrapped at 76 characters

    torrent_id = await client.add_torrent(encoded, {"add_paused": True})
    added.append(torrent_id)

    assert torrent_id == torrent_file.info_hash
    assert deluge.torrents()[torrent_id]["paused"] is True


async def test_get_torrents_by_id_and_fields(
    client: DelugeWebClient, seeding: str, request_log: RequestLog
) -> None:
    torrents = await client.get_torrents([seeding], fields=["name"])

    assert list(torrents) == [seeding]
    assert torrents[seeding].name is not None
    assert torrents[seeding].state is None  # not asked for
    assert await client.get_torrents(["0" * 40]) == {}

    sent = len(request_log.methods)
    assert await client.get_torrents([]) == {}
    assert len(request_log.methods) == sent


async def test_magnet(client: DelugeWebClient, deluge: DelugeServer, added: list[str]) -> None:
    info_hash = secrets.token_hex(20)

    torrent_id = await client.add_torrent(f"magnet:?xt=urn:btih:{info_hash}&dn=client-magnet")
    added.append(torrent_id)

    assert torrent_id == info_hash
    # Just after the add, under load, libtorrent may still report the new torrent as paused.
    torrents = await eventually(
        client.get_torrents,
        lambda found: info_hash in found and found[info_hash].state == "Downloading",
    )
    magnet = torrents[info_hash]  # no peers: it stays Downloading without its metadata
    assert magnet.progress == 0.0
    assert magnet.eta is None
    assert magnet.ratio is None
    with pytest.raises(DelugeDuplicateTorrentError) as raised:
        await client.add_torrent(f"magnet:?xt=urn:btih:{info_hash.upper()}")
    assert raised.value.torrent_id == info_hash

    await client.remove_torrent(info_hash)

    assert info_hash not in deluge.torrents()


async def test_duplicate_torrent_file(
    client: DelugeWebClient, seeding: str, torrent_file: TorrentFile
) -> None:
    with pytest.raises(DelugeDuplicateTorrentError) as raised:
        await client.add_torrent(torrent_file.metainfo)

    assert raised.value.torrent_id == seeding
    assert raised.value.message == f"AddTorrentError: Torrent already in session ({seeding})."


@pytest.mark.parametrize(
    "metainfo",
    [
        "magnet:?dn=no-hash",
        "magnet:?xt=urn:btih:zzz",
        "MAGNET:?xt=urn:btmh:1220abcd",
        "not base64 at all!",
        "",
        base64.b64encode(b"<html>not a torrent</html>").decode(),
        b"",
        b"not bencoded",
    ],
)
async def test_invalid_metainfo_is_refused_without_asking_deluge(
    client: DelugeWebClient, request_log: RequestLog, metainfo: str | bytes
) -> None:
    with pytest.raises(DelugeInvalidTorrentError):
        await client.add_torrent(metainfo)

    assert request_log.methods == []


async def test_undecodable_torrent_is_refused_by_deluge(
    client: DelugeWebClient, request_log: RequestLog
) -> None:
    with pytest.raises(DelugeInvalidTorrentError) as raised:
        await client.add_torrent(b"d8:announce5:broken")

    assert request_log.count("webapi.add_torrent") == 1
    assert raised.value.code == 4
    assert raised.value.message.startswith("AddTorrentError: Unable to add torrent, decoding filedump failed")


async def test_remove_keeps_the_data_unless_asked(
    client: DelugeWebClient, deluge: DelugeServer, torrent_file: TorrentFile, added: list[str]
) -> None:
    keep = await client.add_torrent(torrent_file.metainfo)
    added.append(keep)
    await eventually(client.get_torrents, lambda found: _state(found, keep) == "Seeding")

    await client.remove_torrent(keep)

    assert keep not in deluge.torrents()
    assert torrent_file.data_path.exists()

    again = await client.add_torrent(torrent_file.metainfo)
    added.append(again)
    await eventually(client.get_torrents, lambda found: _state(found, again) == "Seeding")

    await client.remove_torrent(again, remove_data=True)

    assert again not in deluge.torrents()
    wait_until(lambda: not torrent_file.data_path.exists())


async def test_remove_unknown_torrent(client: DelugeWebClient) -> None:
    with pytest.raises(DelugeTorrentNotFoundError) as raised:
        await client.remove_torrent("0" * 40)

    assert raised.value.message == f"InvalidTorrentError: torrent_id {'0' * 40} not in session."


async def test_pause_and_resume(client: DelugeWebClient, deluge: DelugeServer, seeding: str) -> None:
    await client.pause_torrents([seeding])

    wait_until(lambda: deluge.torrents()[seeding]["paused"] is True)
    torrents = await eventually(client.get_torrents, lambda found: found[seeding].paused is True)
    assert torrents[seeding].state == "Paused"

    await client.resume_torrents({seeding})

    wait_until(lambda: deluge.torrents()[seeding]["paused"] is False)


async def test_a_poll_decodes_only_the_torrents_that_changed(
    client: DelugeWebClient,
    deluge: DelugeServer,
    seeding: str,
    added: list[str],
    decoded_pieces: list[bytes],
) -> None:
    """Deluge's real answer body is what TorrentListParser.decode_answer expects."""
    other = await client.add_torrent(make_torrent(deluge.download_dir, f"other-{uuid4().hex}.bin").metainfo)
    added.append(other)
    parser = TorrentListParser()
    first = await eventually(
        lambda: client.get_torrents(parser=parser), lambda found: _state(found, other) == "Seeding"
    )
    decoded_pieces.clear()  # what the polls until now decoded

    await client.pause_torrents([seeding])
    polled = await eventually(
        lambda: client.get_torrents(parser=parser), lambda found: found[seeding].paused is True
    )

    assert polled[seeding].state == "Paused"
    assert polled[other] is first[other]
    assert any(seeding.encode() in piece for piece in decoded_pieces)
    assert not any(other.encode() in piece for piece in decoded_pieces)


async def test_pause_unknown_torrent(client: DelugeWebClient) -> None:
    with pytest.raises(DelugeTorrentNotFoundError):
        await client.pause_torrents(["0" * 40])


async def test_pause_and_resume_nothing_sends_nothing(
    client: DelugeWebClient, deluge: DelugeServer, seeding: str, request_log: RequestLog
) -> None:
    sent = len(request_log.methods)

    await client.pause_torrents([])
    await client.pause_torrents(set())
    await client.resume_torrents(())

    assert len(request_log.methods) == sent
    assert deluge.torrents()[seeding]["paused"] is False
    with pytest.raises(TypeError):
        await client.pause_torrents(seeding)  # one id string is not a collection of ids
    assert len(request_log.methods) == sent


async def test_session_pause_and_resume(client: DelugeWebClient, deluge: DelugeServer) -> None:
    try:
        assert await client.is_session_paused() is False

        await client.pause_session()

        assert deluge.call("core.is_session_paused") is True
        assert await client.is_session_paused() is True

        await client.resume_session()

        assert deluge.call("core.is_session_paused") is False
        assert await client.is_session_paused() is False
    finally:
        deluge.call("core.resume_session")


async def test_labels(client: DelugeWebClient, deluge: DelugeServer, seeding: str) -> None:
    label = f"Client-{uuid4().hex[:8]}"
    try:
        await client.add_label(label)

        assert label.lower() in deluge.call("label.get_labels")
        assert label.lower() in await client.get_labels()
        await client.add_label(label.upper())  # exists already: nothing happens

        await client.set_torrent_label(seeding, label)

        assert deluge.torrents()[seeding]["label"] == label.lower()
        await eventually(client.get_torrents, lambda found: found[seeding].label == label.lower())

        await client.set_torrent_label(seeding, "")

        assert deluge.torrents()[seeding]["label"] == ""
    finally:
        deluge.call("label.remove", label.lower())


async def test_label_errors(client: DelugeWebClient, seeding: str) -> None:
    with pytest.raises(DelugeTorrentNotFoundError):
        await client.set_torrent_label("0" * 40, "")
    with pytest.raises(DelugeServerError, match=r"^Unknown Label$"):
        await client.set_torrent_label(seeding, f"missing-{uuid4().hex[:8]}")
    with pytest.raises(DelugeServerError, match="Invalid label"):
        await client.add_label("no spaces allowed")


async def test_server_facts(client: DelugeWebClient, deluge: DelugeServer) -> None:
    assert await client.get_server_info() == ServerInfo(daemon_version="2.2.0", webapi_version="0.4.0")
    assert await client.get_api_version() == "0.4.0"
    assert isinstance(await client.get_session_status(), SessionStatus)
    free_space = await client.get_free_space()
    assert free_space is not None
    assert free_space > 0
    assert await client.get_config_values(["download_location", "no_such_key"]) == {
        "download_location": str(deluge.download_dir),
        "no_such_key": None,
    }
    assert sorted(await client.get_enabled_plugins()) == ["Label", "WebAPI"]


async def test_set_config(client: DelugeWebClient, deluge: DelugeServer) -> None:
    key = "max_active_downloading"
    before = deluge.call("core.get_config_values", [key])[key]
    try:
        await client.set_config({key: before + 1})

        assert deluge.call("core.get_config_values", [key])[key] == before + 1
        assert await client.get_config_values([key]) == {key: before + 1}
    finally:
        deluge.call("core.set_config", {key: before})


async def test_call_any_method(client: DelugeWebClient, deluge: DelugeServer) -> None:
    assert await client.call("daemon.get_version") == "2.2.0"
    assert await client.call("core.get_config_value", "download_location") == str(deluge.download_dir)
