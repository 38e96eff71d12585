"""The poll's hot path: parsing repeated torrent lists, decoding big answers, and work off the loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
import threading
from typing import Any

import aiohttp
import pytest

from custom_components.deluge_webapi.client import (
    TORRENT_FIELDS,
    DelugeResponseError,
    DelugeWebClient,
    Torrent,
    TorrentListParser,
    client as client_module,
    rpc,
    transport,
)
from custom_components.deluge_webapi.client.models import parse_torrent, parse_torrents

from .fake_deluge import PASSWORD, FakeDeluge
from .test_models import DELUGE_STATUS

# What the coordinator asks for: fewer keys than the model has.
SOME_FIELDS = ("hash", "name", "state", "progress", "upload_payload_rate", "total_uploaded", "time_added")


def status(index: int, **changes: object) -> dict[str, Any]:
    """A Deluge status dict of torrent ``index``, with only SOME_FIELDS."""
    full = DELUGE_STATUS | {"hash": f"{index:040x}", "name": f"torrent {index}"} | changes
    return {key: full[key] for key in SOME_FIELDS}


def answer(*torrents: object) -> dict[str, Any]:
    return {"torrents": list(torrents)}


def test_parser_reuses_unchanged_torrents_and_parses_the_rest() -> None:
    parser = TorrentListParser()
    first = parser.parse(answer(status(1), status(2), status(3)))

    later = answer(status(1), status(2, upload_payload_rate=5, total_uploaded=9), status(4))
    second = parser.parse(later)

    assert second == parse_torrents(later)
    assert second[f"{1:040x}"] is first[f"{1:040x}"]
    assert second[f"{2:040x}"] is not first[f"{2:040x}"]
    assert second[f"{2:040x}"].upload_rate == 5
    assert f"{3:040x}" not in second
    assert list(second) == [f"{index:040x}" for index in (1, 2, 4)]  # Deluge's order


def test_absent_fields_are_none_and_present_ones_parsed() -> None:
    parser = TorrentListParser()
    torrent = parser.parse(answer(status(7)))[f"{7:040x}"]

    assert torrent == parse_torrent(status(7))
    assert torrent.name == "torrent 7"
    assert torrent.time_added == float(DELUGE_STATUS["time_added"])
    assert torrent.total_size is None
    assert torrent.message is None
    assert torrent.completed_time is None


def test_keys_in_any_order_and_every_field() -> None:
    reordered = {key: DELUGE_STATUS[key] for key in reversed(TORRENT_FIELDS)}
    parser = TorrentListParser()

    parsed = parser.parse(answer(reordered, dict(DELUGE_STATUS)))

    assert parsed == {DELUGE_STATUS["hash"]: parse_torrent(DELUGE_STATUS)}


def test_upper_case_hash_is_parsed_on_every_answer() -> None:
    upper = status(10) | {"hash": f"{0xABC:040X}"}
    parser = TorrentListParser()

    first = parser.parse(answer(upper))
    second = parser.parse(answer(upper | {"name": "renamed"}))

    assert list(first) == list(second) == [f"{0xABC:040x}"]
    assert second[f"{0xABC:040x}"].name == "renamed"


def test_unusual_lists_are_parsed_one_by_one_and_the_parser_recovers() -> None:
    parser = TorrentListParser()
    parser.parse(answer(status(1), status(2)))
    unusual = answer("not a dict", status(1), {"name": "no hash"}, status(3) | {"hash": "zz" * 20})

    assert parser.parse(unusual) == parse_torrents(unusual) == {f"{1:040x}": parse_torrent(status(1))}
    missing_key = status(2)
    del missing_key["state"]
    mixed = answer(status(1), missing_key)
    assert parser.parse(mixed) == parse_torrents(mixed)
    assert parser.parse(mixed)[f"{2:040x}"].state is None
    again = parser.parse(answer(status(1), status(2)))
    assert again == parse_torrents(answer(status(1), status(2)))


def test_unhashable_hash_and_duplicates() -> None:
    parser = TorrentListParser()
    parser.parse(answer(status(1)))
    unhashable = answer(status(1) | {"hash": ["x"]}, status(2))
    assert parser.parse(unhashable) == {f"{2:040x}": parse_torrent(status(2))}
    duplicates = answer(status(5, name="first"), status(5, name="last"))
    assert parser.parse(duplicates)[f"{5:040x}"].name == "last"
    assert parser.parse(duplicates)[f"{5:040x}"].name == "last"
    assert parser.parse(answer(status(5, name="first")))[f"{5:040x}"].name == "first"


@pytest.mark.parametrize("result", [None, [], {"torrents": "x"}, {"nothing": []}])
def test_parser_rejects_a_wrong_shape(result: object) -> None:
    with pytest.raises(DelugeResponseError):
        TorrentListParser().parse(result)


@pytest.mark.parametrize(
    "body",
    [
        b'{"result": {"ratio": NaN, "eta": Infinity, "x": -Infinity}, "error": null, "id": 1}',
        b'{"result": "caf\\u00e9 \\ud83d\\ude00", "id": 1}',
        b'{"result": "lone \\ud800", "id": 1}',
        b'\xef\xbb\xbf{"result": [1, 2.5, true, null], "id": 1}',
    ],
)
def test_decode_gives_what_json_loads_gives(body: bytes) -> None:
    assert rpc._fast_loads is not None  # Home Assistant ships orjson: the fast path is tested

    assert json.dumps(rpc.decode_response(body)) == json.dumps(json.loads(body))


def test_decode_reads_integers_beyond_64_bits_as_floats() -> None:
    """Orjson's one difference; no Deluge value comes near (byte counts stay below 2**63)."""
    decoded = rpc.decode_response(b'{"result": 123456789012345678901234567890, "id": 1}')

    assert decoded == {"result": pytest.approx(123456789012345678901234567890), "id": 1}


@pytest.fixture
async def http_session_plain() -> AsyncIterator[aiohttp.ClientSession]:
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    yield session
    await session.close()


async def test_big_answers_are_decoded_and_parsed_off_the_loop(
    fake_deluge: FakeDeluge, http_session_plain: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_deluge.results["webapi.get_torrents"] = answer(*(status(index) for index in range(50)))
    monkeypatch.setattr(transport, "DECODE_OFF_LOOP_BYTES", 1_000)
    monkeypatch.setattr(client_module, "PARSE_OFF_LOOP_TORRENTS", 10)
    threads: list[str] = []

    def spy(function: Any) -> Any:
        def record(*args: Any) -> Any:
            threads.append(threading.current_thread().name)
            return function(*args)

        return record

    monkeypatch.setattr(TorrentListParser, "decode_answer", spy(TorrentListParser.decode_answer))
    monkeypatch.setattr(TorrentListParser, "parse", spy(TorrentListParser.parse))
    monkeypatch.setattr(client_module, "parse_torrents", spy(parse_torrents))
    client = DelugeWebClient(http_session_plain, fake_deluge.url, PASSWORD)
    parser = TorrentListParser()

    first = await client.get_torrents(fields=SOME_FIELDS, parser=parser)
    second = await client.get_torrents(fields=SOME_FIELDS, parser=parser)
    without_parser = await client.get_torrents(fields=SOME_FIELDS)

    assert len(first) == 50
    assert all(second[torrent_hash] is torrent for torrent_hash, torrent in first.items())
    assert all(type(torrent) is Torrent for torrent in second.values())
    assert without_parser == first
    main = threading.current_thread().name
    assert threads.count(main) == 0
    # Both polls decode off the loop, the first one parsing the whole list there; the second
    # one finds every torrent's text unchanged. The call without a parser parses off the loop.
    assert len(threads) == 4
