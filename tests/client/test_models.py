"""Parsing Deluge's torrent status dicts: hostile values never raise, they become None."""

from __future__ import annotations

import dataclasses
import math
import pickle
from typing import Any

import pytest

from custom_components.deluge_webapi.client import TORRENT_FIELDS, DelugeResponseError, SessionStatus, Torrent
from custom_components.deluge_webapi.client.models import (
    SESSION_STATUS_KEYS,
    _TorrentBuilder,
    parse_session_status,
    parse_torrent,
    parse_torrents,
)

HASH = "e817b0bcfdf733fbcbf6efbd7821ac18a81e7768"
# Shaped like a real Deluge 2.2.0 answer (values as Deluge sends them: ints, not floats).
DELUGE_STATUS: dict[str, Any] = {
    "hash": HASH,
    "name": "ubuntu-24.04-desktop-amd64.iso",
    "state": "Downloading",
    "progress": 42.5,
    "download_payload_rate": 1_500_000,
    "upload_payload_rate": 20_000,
    "eta": 3600,
    "ratio": 0.25,
    "total_size": 6_000_000_000,
    "total_done": 2_550_000_000,
    "total_uploaded": 637_500_000,
    "num_seeds": 12,
    "num_peers": 3,
    "total_seeds": 1500,
    "total_peers": 80,
    "save_path": "/srv/downloads",
    "label": "linux",
    "time_added": 1_796_324_222,
    "completed_time": 0,
    "is_finished": False,
    "paused": False,
    "message": "OK",
    "tracker_host": "ubuntu.com",
}
EXPECTED = Torrent(
    hash=HASH,
    name="ubuntu-24.04-desktop-amd64.iso",
    state="Downloading",
    progress=42.5,
    download_rate=1_500_000,
    upload_rate=20_000,
    eta=3600,
    ratio=0.25,
    total_size=6_000_000_000,
    total_done=2_550_000_000,
    total_uploaded=637_500_000,
    num_seeds=12,
    num_peers=3,
    total_seeds=1500,
    total_peers=80,
    save_path="/srv/downloads",
    label="linux",
    time_added=1_796_324_222.0,
    completed_time=None,
    is_finished=False,
    paused=False,
    message="OK",
    tracker_host="ubuntu.com",
)
# Deluge key -> model attribute, where they differ.
ATTRIBUTE = {"download_payload_rate": "download_rate", "upload_payload_rate": "upload_rate"}


def parsed_with(**changes: object) -> Torrent:
    torrent = parse_torrent(DELUGE_STATUS | changes)
    assert torrent is not None
    return torrent


def test_parses_a_deluge_status() -> None:
    torrent = parse_torrent(DELUGE_STATUS)

    assert torrent == EXPECTED
    assert type(torrent) is Torrent
    assert isinstance(torrent.time_added, float)


def test_torrent_is_an_ordinary_frozen_dataclass() -> None:
    torrent = parsed_with()

    with pytest.raises(dataclasses.FrozenInstanceError):
        torrent.name = "x"  # type: ignore[misc]
    assert not hasattr(torrent, "__dict__")
    assert hash(torrent) == hash(EXPECTED)
    assert pickle.loads(pickle.dumps(torrent)) == torrent  # noqa: S301
    assert dataclasses.replace(torrent, name="other").name == "other"
    assert dataclasses.fields(torrent)[0].name == "hash"


def test_torrent_fields_are_what_the_model_reads() -> None:
    assert TORRENT_FIELDS[0] == "hash"
    assert set(TORRENT_FIELDS) == set(DELUGE_STATUS)
    model_fields = {field.name for field in dataclasses.fields(Torrent)}
    assert {ATTRIBUTE.get(key, key) for key in TORRENT_FIELDS} == model_fields


TEXTS = ("name", "state", "save_path", "label", "message", "tracker_host")
COUNTS = (
    "download_payload_rate",
    "upload_payload_rate",
    "eta",
    "total_size",
    "total_done",
    "total_uploaded",
    "num_seeds",
    "num_peers",
    "total_seeds",
    "total_peers",
)
FLOATS = ("progress", "ratio", "time_added", "completed_time")
FLAGS = ("is_finished", "paused")
WRONG_TEXTS: tuple[object, ...] = (None, 5, 1.5, True, [], {})
WRONG_COUNTS: tuple[object, ...] = (None, "5", True, -5, 1.5, math.nan, math.inf, [], {})
WRONG_FLOATS: tuple[object, ...] = (None, "5", True, -5, -5.0, math.nan, math.inf, -math.inf, [])
WRONG_FLAGS: tuple[object, ...] = (None, 1, 0, "true", [], {})
WRONG_VALUES: list[tuple[str, object]] = [
    *((key, value) for key in TEXTS for value in WRONG_TEXTS),
    *((key, value) for key in COUNTS for value in WRONG_COUNTS),
    *((key, value) for key in FLOATS for value in WRONG_FLOATS),
    *((key, value) for key in FLAGS for value in WRONG_FLAGS),
]


def test_wrong_values_cover_every_field() -> None:
    assert {key for key, _ in WRONG_VALUES} == set(TORRENT_FIELDS[1:])


@pytest.mark.parametrize(("key", "value"), WRONG_VALUES)
def test_wrong_value_becomes_none_and_the_rest_parses(key: str, value: object) -> None:
    attribute = ATTRIBUTE.get(key, key)

    torrent = parsed_with(**{key: value})

    assert getattr(torrent, attribute) is None
    assert dataclasses.replace(torrent, **{attribute: getattr(EXPECTED, attribute)}) == EXPECTED


@pytest.mark.parametrize("key", TORRENT_FIELDS[1:])
def test_missing_key_becomes_none(key: str) -> None:
    status = {name: value for name, value in DELUGE_STATUS.items() if name != key}

    torrent = parse_torrent(status)

    assert torrent is not None
    assert getattr(torrent, ATTRIBUTE.get(key, key)) is None
    assert torrent.hash == HASH


def test_only_hash_present() -> None:
    torrent = parse_torrent({"hash": HASH})

    assert torrent is not None
    assert all(getattr(torrent, field.name) is None for field in dataclasses.fields(Torrent)[1:])


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("eta", 0, None),
        ("eta", -1, None),
        ("eta", 1, 1),
        ("ratio", -1.0, None),
        ("ratio", 0.0, 0.0),
        ("ratio", 3, 3.0),
        ("total_seeds", -1, None),
        ("total_peers", -1, None),
        ("total_peers", 0, 0),
        ("completed_time", 0, None),
        ("completed_time", 1_796_400_000, 1_796_400_000.0),
        ("completed_time", 1_796_400_000.5, 1_796_400_000.5),
        ("total_size", -1, None),
        ("total_size", 1024.0, 1024),
        ("total_size", 1024.5, None),
        ("total_size", 2**70, 2**70),
        ("progress", 100, 100.0),
        ("progress", 100.01, None),
        ("progress", -0.5, None),
        ("num_seeds", False, None),
        ("paused", 1, None),
        ("is_finished", "true", None),
        ("state", "Frobnicating", "Frobnicating"),
        ("label", "", ""),
        ("label", None, None),
        ("message", "Error: tracker said \x1b[31mno\x1b[0m", "Error: tracker said [31mno[0m"),
    ],
)
def test_sentinels_and_edge_values(key: str, value: object, expected: object) -> None:
    assert getattr(parsed_with(**{key: value}), ATTRIBUTE.get(key, key)) == expected


def test_hostile_names_are_cleaned_not_dropped() -> None:
    assert parsed_with(name="evil\x00name\r\nwith\tcontrols\x7f\x85").name == "evilnamewithcontrols"
    assert parsed_with(name="safe\u202eexe.txt").name == "safeexe.txt"
    assert parsed_with(name="x" * 10_000).name == "x" * 255
    assert parsed_with(name="\x01" * 10_000).name == ""
    assert parsed_with(name="Ünïcödé 日本語 \u00a0 🎬").name == "Ünïcödé 日本語 \u00a0 🎬"
    assert parsed_with(save_path="/" + "d" * 5000).save_path == "/" + "d" * 4095


@pytest.mark.parametrize(
    "torrent_hash",
    [
        None,
        "",
        "abc",
        HASH[:-1],
        HASH + "0",
        "g" * 40,
        " " + HASH[1:],
        HASH[:20] + " " + HASH[21:],
        12345,
        ["x"],
    ],
)
def test_entry_without_valid_hash_is_skipped(torrent_hash: object) -> None:
    assert parse_torrent(DELUGE_STATUS | {"hash": torrent_hash}) is None


def test_upper_case_hash_is_normalised() -> None:
    assert parsed_with(hash=HASH.upper()).hash == HASH


def test_parse_torrents_skips_bad_entries_and_keys_by_hash() -> None:
    other = "0" * 40
    result = {
        "torrents": [
            DELUGE_STATUS,
            "not a dict",
            None,
            [HASH],
            {"name": "no hash"},
            {"hash": other, "name": 5, "total_size": -3},
        ]
    }

    torrents = parse_torrents(result)

    assert list(torrents) == [HASH, other]
    assert torrents[HASH] == EXPECTED
    assert torrents[other].name is None
    assert torrents[other].total_size is None


@pytest.mark.parametrize(
    "result", [None, [], "torrents", {"torrents": None}, {"torrents": {}}, {"other": []}]
)
def test_parse_torrents_rejects_a_wrong_shape(result: object) -> None:
    with pytest.raises(DelugeResponseError):
        parse_torrents(result)


def test_parse_torrents_empty_list() -> None:
    assert parse_torrents({"torrents": []}) == {}


def test_session_status() -> None:
    status = parse_session_status(
        {
            "payload_download_rate": 1000,
            "payload_upload_rate": 20,
            "num_peers": 7,
            "dht_nodes": 0,
            "has_incoming_connections": 1,
        }
    )

    assert status == SessionStatus(
        download_rate=1000, upload_rate=20, num_connections=7, dht_nodes=0, has_incoming_connections=True
    )


@pytest.mark.parametrize("key", SESSION_STATUS_KEYS)
@pytest.mark.parametrize("value", [None, "1", -1, [1]])
def test_session_status_with_bad_values_is_a_response_error(key: str, value: object) -> None:
    result = dict.fromkeys(SESSION_STATUS_KEYS, 0) | {key: value}

    with pytest.raises(DelugeResponseError):
        parse_session_status(result)


def test_session_status_not_a_dict() -> None:
    with pytest.raises(DelugeResponseError):
        parse_session_status([])


def test_builder_has_exactly_the_torrent_layout() -> None:
    """The parser builds a mutable twin and re-classes it: both must keep the same slots."""
    assert _TorrentBuilder.__slots__ == Torrent.__slots__
    assert [(field.name, field.type) for field in dataclasses.fields(_TorrentBuilder)] == [
        (field.name, field.type) for field in dataclasses.fields(Torrent)
    ]
