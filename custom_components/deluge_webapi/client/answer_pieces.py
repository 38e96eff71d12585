"""A ``webapi.get_torrents`` answer cut into one piece of undecoded text per torrent.

Between two polls most torrents of a big Deluge do not change, and Deluge writes an unchanged
torrent as the same bytes (``json.dumps`` of the same values in the same key order). A poll
can recognise those by their text and decode only the others, which costs far less than
decoding the whole body: at 10,000 torrents that decode alone costs more than all the rest of
a poll's work.

Deluge writes ``{"result": {"torrents": [{...}, {...}]}, "error": null, "id": N}``. A piece is
a torrent's object without its first two bytes and its last one: the text between ``[{"``,
each ``}, {"`` and ``}]``. The same five bytes ``}, {"`` can also end a string value (a name
ending in ``}, {``) or close an object nested in a value; either way the piece left of that
cut is no JSON object once its ``{"`` and ``}`` are put back (its string or object is left
open). So a piece is trusted only when it decodes to an object, or equals a piece that did:
when every piece is trusted, every cut was one between two torrents.
"""

from __future__ import annotations

from .exceptions import DelugeResponseError
from .rpc import decode_response

_HEAD = b'{"result": {"torrents": [{"'
_BETWEEN_TORRENTS = b'}, {"'
_TAIL = b'}]}, "error": null, "id": '
_OPENING = b'{"'
_CLOSING = b"}"


def split_torrent_answer(body: bytes) -> list[bytes] | None:
    """Return the pieces of a successful answer listing torrents; None for any other body."""
    if not body.startswith(_HEAD) or not body.endswith(_CLOSING):
        return None
    end = body.rfind(_TAIL)
    if end < len(_HEAD) or not body[end + len(_TAIL) : -1].isdigit():
        return None
    return body[len(_HEAD) : end].split(_BETWEEN_TORRENTS)


def decode_piece(piece: bytes) -> dict[str, object] | None:
    """Return the status dict a piece is the text of; None when it is not a whole object."""
    try:
        raw = decode_response(_OPENING + piece + _CLOSING)
    except DelugeResponseError:
        return None
    return raw if type(raw) is dict else None
