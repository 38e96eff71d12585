"""TorrentListParser.decode_answer: a poll's answer body read without decoding unchanged torrents.

Every test compares with the plain way (``json.loads`` of the whole body, then
``parse_torrents``): reading only what changed must never give a different result.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from custom_components.deluge_webapi.client import Torrent, TorrentListParser
from custom_components.deluge_webapi.client.answer_pieces import split_torrent_answer
from custom_components.deluge_webapi.client.models import ParsedTorrents, parse_torrents

from .test_models import DELUGE_STATUS

# Texts that contain, or end with, the bytes that separate two torrents in Deluge's answer.
HOSTILE_TEXTS = (
    "ends like a cut}, {",
    'quote inside }, {" and after',
    "}, {",
    '"}, {"',
    "back\\slash }, {\\",
    "caf\u00e9 \U0001f600 }, {",
    "control\x07\x1b[31m",
)


def status(index: int, **changes: object) -> dict[str, Any]:
    """A Deluge status dict of torrent ``index`` with every field the model reads."""
    return DELUGE_STATUS | {"hash": f"{index:040x}", "name": f"torrent {index}"} | changes


def deluge_body(torrents: list[dict[str, Any]], request_id: int = 7) -> bytes:
    """An answer written as Deluge writes it (``json.dumps`` with its default separators)."""
    return json.dumps({"result": {"torrents": torrents}, "error": None, "id": request_id}).encode()


def plain(body: bytes) -> dict[str, Torrent]:
    """What the whole body decoded and parsed gives."""
    return parse_torrents(json.loads(body)["result"])


def read(parser: TorrentListParser, body: bytes) -> ParsedTorrents:
    document = parser.decode_answer(body)
    assert isinstance(document, dict)
    result = document["result"]
    assert isinstance(result, ParsedTorrents)
    return result


def test_only_the_changed_torrents_are_decoded(decoded_pieces: list[bytes]) -> None:
    parser = TorrentListParser()
    first_body = deluge_body([status(1), status(2), status(3)])
    first = read(parser, first_body)
    assert first == plain(first_body)
    assert decoded_pieces == []  # the first answer is decoded whole

    later = deluge_body([status(1), status(2, upload_payload_rate=5), status(4)])
    second = read(parser, later)

    assert second == plain(later)
    assert list(second) == [f"{index:040x}" for index in (1, 2, 4)]  # Deluge's order
    assert second[f"{1:040x}"] is first[f"{1:040x}"]
    assert second[f"{2:040x}"].upload_rate == 5
    assert len(decoded_pieces) == 2  # the changed torrent and the new one, nothing else
    assert read(parser, later) == second
    assert len(decoded_pieces) == 2  # the same answer again: nothing decoded


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
@pytest.mark.parametrize("field", ["name", "save_path", "label"])
def test_separator_bytes_inside_values_do_not_mislead(field: str, text: str) -> None:
    parser = TorrentListParser()
    bodies = [
        deluge_body([status(1), status(2, **{field: text}), status(3)]),
        deluge_body([status(1), status(2, **{field: text}), status(3)]),
        deluge_body([status(1, **{field: text}), status(2), status(3, **{field: text + "}, {"})]),
        deluge_body([status(3, **{field: text + "}, {"}), status(1, **{field: text})]),
    ]
    for body in bodies:
        assert read(parser, body) == plain(body)


def test_nested_objects_in_values_do_not_mislead() -> None:
    """A field holding a list of objects (Deluge's ``trackers``) has the separator in it."""
    trackers = [{"url": "http://a/announce", "tier": 0}, {"url": "http://b/announce", "tier": 1}]
    parser = TorrentListParser()
    for body in (
        deluge_body([status(1, trackers=trackers), status(2)]),
        deluge_body([status(1, trackers=trackers), status(2)]),
        deluge_body([status(1), status(2, trackers=trackers[:1])]),
    ):
        assert read(parser, body) == plain(body)


def test_answers_written_otherwise_are_decoded_whole(decoded_pieces: list[bytes]) -> None:
    parser = TorrentListParser()
    compact = json.dumps(
        {"id": 1, "result": {"torrents": [status(1), status(2)]}, "error": None}, separators=(",", ":")
    ).encode()
    assert split_torrent_answer(compact) is None

    assert read(parser, compact) == plain(compact)
    assert read(parser, compact) == plain(compact)
    assert decoded_pieces == []


@pytest.mark.parametrize(
    "document",
    [
        {"result": None, "error": {"message": "Unknown method", "code": 2}, "id": 3},
        {"result": {"torrents": "none"}, "error": None, "id": 3},
        {"result": [], "error": None, "id": 3},
    ],
)
def test_other_answers_are_returned_as_decoded(document: dict[str, Any]) -> None:
    parser = TorrentListParser()
    read(parser, deluge_body([status(1)]))  # the parser remembers pieces

    assert parser.decode_answer(json.dumps(document).encode()) == document
    assert read(parser, deluge_body([])) == {}


def test_invalid_duplicate_and_upper_case_hashes() -> None:
    parser = TorrentListParser()
    bodies = [
        deluge_body([status(1), status(2, hash="zz" * 20), status(3)]),
        deluge_body([status(1), status(2, hash="zz" * 20), status(3, name="renamed")]),
        deluge_body([status(5, name="first"), status(5, name="last"), status(1)]),
        deluge_body([status(5, name="first"), status(5, name="last"), status(1)]),
        deluge_body([status(6, hash=f"{0xABC:040X}"), status(1)]),
        deluge_body([status(6, hash=f"{0xABC:040X}", name="renamed"), status(1)]),
    ]
    for body in bodies:
        assert read(parser, body) == plain(body)


def test_random_answer_sequences_read_like_a_whole_decode() -> None:
    """Polls of a Deluge whose torrents change, come, go and carry hostile texts, at random."""
    rng = random.Random(20261203)  # noqa: S311  # reproducible test data
    parser = TorrentListParser()
    torrents = [status(index) for index in range(30)]
    for _poll in range(300):
        for _change in range(rng.randrange(4)):
            torrents[rng.randrange(len(torrents))] |= _random_change(rng)
        if rng.random() < 0.2:
            torrents.insert(rng.randrange(len(torrents) + 1), status(rng.randrange(1_000)))
        if rng.random() < 0.2 and len(torrents) > 1:
            del torrents[rng.randrange(len(torrents))]
        if rng.random() < 0.05:
            rng.shuffle(torrents)
        body = deluge_body(torrents, request_id=rng.randrange(100))
        assert read(parser, body) == plain(body)


def _random_change(rng: random.Random) -> dict[str, object]:
    return rng.choice(
        [
            {"upload_payload_rate": rng.randrange(10**6)},
            {"progress": rng.uniform(0, 100)},
            {"state": rng.choice(["Seeding", "Paused", "Error", "Weird"])},
            {"name": rng.choice(HOSTILE_TEXTS)},
            {"label": rng.choice(["", "films", "}, {"])},
            {"eta": rng.choice([0, -1, 60])},
            {"hash": rng.choice(["zz" * 20, f"{rng.randrange(40):040X}"])},
            {"trackers": [{"url": "http://a", "tier": 0}, {"url": "http://b", "tier": 1}]},
        ]
    )
