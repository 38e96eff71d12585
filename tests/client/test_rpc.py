"""Deluge's error objects mapped to exceptions, with messages as Deluge 2.2.0 really sends them."""

from __future__ import annotations

import pytest

from custom_components.deluge_webapi.client import (
    DelugeAuthenticationError,
    DelugeDuplicateTorrentError,
    DelugeInvalidTorrentError,
    DelugeMethodNotFoundError,
    DelugeResponseError,
    DelugeServerError,
    DelugeTorrentNotFoundError,
)
from custom_components.deluge_webapi.client.rpc import (
    NotAuthenticatedError,
    decode_response,
    error_for,
    one_line,
    result_or_raise,
)

TORRENT_ID = "e817b0bcfdf733fbcbf6efbd7821ac18a81e7768"
FAILURE = "Failure: [Failure instance: Traceback (failure with no frames): <class 'deluge.error.{}'>: {}\n]"
FRAMES = (
    "\nTraceback (most recent call last):\n"
    '  File "/venv/lib/python3.13/site-packages/deluge/core/rpcserver.py", line 342, in dispatch\n'
    "    ret = self.factory.methods[method](*args, **kwargs)\n"
    '  File "/venv/lib/python3.13/site-packages/deluge/core/core.py", line 662, in pause_torrent\n'
    "    self.torrentmanager[torrent_id].pause()\n"
    "    ~~~~~~~~~~~~~~~~~~~^^^^^^^^^^^^\n"
)
DUPLICATE = FAILURE.format("AddTorrentError", f"Torrent already in session ({TORRENT_ID}).")
NOT_IN_SESSION = FAILURE.format("InvalidTorrentError", f"torrent_id {'0' * 40} not in session.")
BAD_MAGNET = FAILURE.format(
    "AddTorrentError",
    "Unable to add magnet, invalid magnet info: magnet:?xt=urn:btih:zzz&tr=http://t/passkey123",
)
UNDECODABLE = FAILURE.format(
    "AddTorrentError",
    "Unable to add torrent, decoding filedump failed: expected value (list, dict, int or string)"
    " in bencoded string [bdecode:4]",
)
BOOST = (
    "Failure: [Failure instance: Traceback (failure with no frames): <class 'deluge.error.WrappedException'>:"
    " Python argument types in\n    libtorrent.bdecode(str)\ndid not match C++ signature:\n    bdecode(bytes)"
    + FRAMES
    + "Boost.Python.ArgumentError: Python argument types in\n    libtorrent.bdecode(str)\n"
    "did not match C++ signature:\n    bdecode(bytes)\n\n]"
)
KEY_ERROR = (
    "Failure: [Failure instance: Traceback (failure with no frames): <class 'deluge.error.WrappedException'>:"
    f" '{'0' * 40}'" + FRAMES + f"KeyError: '{'0' * 40}'\n\n]"
)
LABEL_EXISTS = (
    "Failure: [Failure instance: Traceback (failure with no frames): <class 'deluge.error.WrappedException'>:"
    " Label already exists" + FRAMES + "Exception: Label already exists\n\n]"
)
UNKNOWN_TORRENT = (
    "Failure: [Failure instance: Traceback (failure with no frames): <class 'deluge.error.WrappedException'>:"
    " Unknown Torrent" + FRAMES + "Exception: Unknown Torrent\n\n]"
)


@pytest.mark.parametrize(
    ("message", "line"),
    [
        (DUPLICATE, f"AddTorrentError: Torrent already in session ({TORRENT_ID})."),
        (NOT_IN_SESSION, f"InvalidTorrentError: torrent_id {'0' * 40} not in session."),
        (BAD_MAGNET, "AddTorrentError: Unable to add magnet, invalid magnet info: <magnet URI>"),
        (
            BOOST,
            (
                "ArgumentError: Python argument types in libtorrent.bdecode(str) did not match C++ signature:"
                " bdecode(bytes)"
            ),
        ),
        (KEY_ERROR, f"KeyError: '{'0' * 40}'"),
        (LABEL_EXISTS, "Label already exists"),
        ("TypeError: Auth.delete_session() takes 1 positional argument but 2 were given", None),
        ("JSONException: Invalid JSON request content-type: text/plain", None),
        ("\n\n  first line  \nsecond line", "first line"),
        ("", "Unknown error"),
        ("bell\x07 and escape\x1b[0m", "bell and escape[0m"),
    ],
)
def test_one_line(message: str, line: str | None) -> None:
    assert one_line(message) == (line or message)


def test_one_line_is_bounded() -> None:
    line = one_line(FAILURE.format("AddTorrentError", "x" * 5000))

    assert len(line) == 300
    assert line.endswith("...")


@pytest.mark.parametrize(
    ("method", "code", "message", "error_type"),
    [
        ("webapi.add_torrent", 4, DUPLICATE, DelugeDuplicateTorrentError),
        ("webapi.remove_torrent", 4, NOT_IN_SESSION, DelugeTorrentNotFoundError),
        ("webapi.add_torrent", 4, BAD_MAGNET, DelugeInvalidTorrentError),
        ("webapi.add_torrent", 4, UNDECODABLE, DelugeInvalidTorrentError),
        ("webapi.add_torrent", 4, BOOST, DelugeInvalidTorrentError),
        ("core.add_torrent_file", 4, BOOST, DelugeInvalidTorrentError),
        ("core.pause_torrents", 4, KEY_ERROR, DelugeTorrentNotFoundError),
        ("label.set_torrent", 4, UNKNOWN_TORRENT, DelugeTorrentNotFoundError),
        ("label.add", 4, LABEL_EXISTS, DelugeServerError),
        ("core.set_config", 4, BOOST, DelugeServerError),  # only adding a torrent is "invalid torrent"
        ("auth.delete_session", 3, "TypeError: takes 1 positional argument", DelugeServerError),
        (
            "web.connected",
            5,
            "JSONException: Invalid JSON request content-type: text/plain",
            DelugeServerError,
        ),
        ("webapi.get_torrents", 2, "Unknown method", DelugeMethodNotFoundError),
        ("webapi.get_torrents", 1, "Not authenticated", NotAuthenticatedError),
    ],
)
def test_error_for(method: str, code: int, message: str, error_type: type[Exception]) -> None:
    error = error_for(method, code, message)

    assert type(error) is error_type
    if code == 1:  # the client logs in again; should it escape, it is an authentication error
        assert isinstance(error, DelugeAuthenticationError)
    assert "Traceback" not in str(error)
    assert "\n" not in str(error)
    if isinstance(error, DelugeServerError):
        assert (error.code, error.method) == (code, method)
        assert error.message == str(error)


def test_duplicate_names_the_torrent() -> None:
    error = error_for("webapi.add_torrent", 4, DUPLICATE)

    assert isinstance(error, DelugeDuplicateTorrentError)
    assert error.torrent_id == TORRENT_ID


def test_magnet_uri_and_its_passkey_are_not_repeated() -> None:
    error = error_for("webapi.add_torrent", 4, BAD_MAGNET)

    assert "passkey123" not in str(error)
    assert "passkey123" not in repr(error)


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body>502 Bad Gateway</body></html>", b"\xff\xfe\x00garbage", b"{", b"[" * 100_000],
)
def test_decode_response_rejects_non_json(body: bytes) -> None:
    with pytest.raises(DelugeResponseError):
        decode_response(body)


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        "result",
        42,
        {},
        {"id": 1},
        {"result": None, "error": "Torrent already in session", "id": 1},
        {"result": False, "error": {"message": "x"}, "id": 1},
        {"result": None, "error": {"code": "4", "message": "x"}, "id": 1},
        {"result": None, "error": {"code": 4, "message": None}, "id": 1},
    ],
)
def test_result_or_raise_rejects_wrong_shapes(document: object) -> None:
    with pytest.raises(DelugeResponseError):
        result_or_raise("webapi.get_torrents", document)


def test_result_or_raise_returns_the_result() -> None:
    assert result_or_raise("web.connected", {"result": True, "error": None, "id": 1}) is True
    assert result_or_raise("web.connected", {"result": None, "error": None, "id": 1}) is None
