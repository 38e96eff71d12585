"""What Deluge reports, as frozen slotted dataclasses parsed at the edge.

Parsing never trusts Deluge: a value of the wrong type, out of range, or one of Deluge's
sentinels (-1, and 0 for eta and completed_time) becomes None; texts lose control characters
and are cut to a sane length; a torrent entry without a valid 40-hex hash is skipped. Nothing
here raises on hostile values except for a response whose overall shape is wrong.

The torrent parser is the hot path (a 10,000-torrent Deluge answers with ~5 MB every poll), so
it reads the keys Deluge sent with one ``itemgetter`` call (whatever subset the caller asked
for) and checks each value inline with exact ``type(...) is`` tests; the helpers named
``_..._slow`` only run for unusual values. A poll reads its answer with a
``TorrentListParser``, which only decodes the torrents whose text changed since its last
answer (answer_pieces.py), and otherwise only parses those whose values changed, working
through the list with whole-list C calls (``map``, ``zip``, ``compress``) rather than a
Python loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from operator import attrgetter, eq, itemgetter, not_
from typing import cast

from .answer_pieces import decode_piece, split_torrent_answer
from .exceptions import DelugeResponseError
from .rpc import decode_response

KNOWN_STATES = ("Downloading", "Seeding", "Paused", "Queued", "Checking", "Error", "Moving", "Allocating")

# The Deluge status keys the Torrent model reads, in the order the parser unpacks them.
TORRENT_FIELDS: tuple[str, ...] = (
    "hash",
    "name",
    "state",
    "progress",
    "download_payload_rate",
    "upload_payload_rate",
    "eta",
    "ratio",
    "total_size",
    "total_done",
    "total_uploaded",
    "num_seeds",
    "num_peers",
    "total_seeds",
    "total_peers",
    "save_path",
    "label",
    "time_added",
    "completed_time",
    "is_finished",
    "paused",
    "message",
    "tracker_host",
)

# What get_session_status is asked for; num_peers is Deluge's name for libtorrent's
# peer.num_peers_connected, the number of connections.
SESSION_STATUS_KEYS = (
    "payload_download_rate",
    "payload_upload_rate",
    "num_peers",
    "dht_nodes",
    "has_incoming_connections",
)

MAX_TEXT_LENGTH = 255
MAX_PATH_LENGTH = 4096
_INF = float("inf")
_HASH_LENGTH = 40
_HASH_BYTES = 20
_from_hex = bytes.fromhex
# C0 and C1 controls, line and paragraph separators, and the bidirectional overrides that can
# make a name display as something else.
_CONTROL_CHARACTERS = dict.fromkeys(
    [
        *range(0x20),
        *range(0x7F, 0xA0),
        *(0x200E, 0x200F, 0x2028, 0x2029),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)


@dataclass(frozen=True, slots=True)
class Torrent:
    """One torrent. Every field but ``hash`` is None when Deluge's value is missing or unusable."""

    hash: str
    name: str | None
    state: str | None
    progress: float | None
    download_rate: int | None
    upload_rate: int | None
    eta: int | None
    ratio: float | None
    total_size: int | None
    total_done: int | None
    total_uploaded: int | None
    num_seeds: int | None
    num_peers: int | None
    total_seeds: int | None
    total_peers: int | None
    save_path: str | None
    label: str | None
    time_added: float | None
    completed_time: float | None
    is_finished: bool | None
    paused: bool | None
    message: str | None
    tracker_host: str | None


@dataclass(frozen=True, slots=True)
class SessionStatus:
    """Session-wide figures from ``core.get_session_status`` (payload rates in bytes/s)."""

    download_rate: int
    upload_rate: int
    num_connections: int
    dht_nodes: int
    has_incoming_connections: bool


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """Versions of the Deluge daemon and of the WebAPI plugin."""

    daemon_version: str
    webapi_version: str


# Building a frozen dataclass calls object.__setattr__ once per field, which costs more than
# all the checks together. The parser fills this mutable twin with the same slots instead and
# then turns it into a Torrent; Python allows the __class__ assignment because both classes
# have exactly the same layout, and the result is an ordinary, frozen Torrent.
@dataclass(slots=True)
class _TorrentBuilder:
    hash: str
    name: str | None
    state: str | None
    progress: float | None
    download_rate: int | None
    upload_rate: int | None
    eta: int | None
    ratio: float | None
    total_size: int | None
    total_done: int | None
    total_uploaded: int | None
    num_seeds: int | None
    num_peers: int | None
    total_seeds: int | None
    total_peers: int | None
    save_path: str | None
    label: str | None
    time_added: float | None
    completed_time: float | None
    is_finished: bool | None
    paused: bool | None
    message: str | None
    tracker_host: str | None


type _Values = tuple[object, ...]

_read_all: Callable[[dict[str, object]], _Values] = itemgetter(*TORRENT_FIELDS)
_NONE = (None,)
_ORDER = {field: index for index, field in enumerate(TORRENT_FIELDS)}
_hash_of = attrgetter("hash")


def _read_any(raw: dict[str, object]) -> _Values:
    """Read TORRENT_FIELDS from any status dict, None for the keys it lacks (the slow way)."""
    return tuple(map(raw.get, TORRENT_FIELDS))


def _as_is(values: _Values) -> _Values:
    return values


@lru_cache(maxsize=16)
def _expander(keys: tuple[str, ...]) -> Callable[[_Values], _Values]:
    """Return what turns the values of ``keys`` (any order) into TORRENT_FIELDS' order.

    Keys Deluge did not send become None. Callers usually ask for fewer keys than the model
    has; either way it is one C call.
    """
    if keys == TORRENT_FIELDS:
        return _as_is
    position = {field: index for index, field in enumerate(keys)}
    in_order = itemgetter(*(position.get(field, len(keys)) for field in TORRENT_FIELDS))

    def expand(values: _Values) -> _Values:
        return in_order(values + _NONE)  # type: ignore[no-any-return]

    return expand


def parse_torrents(result: object) -> dict[str, Torrent]:
    """Parse ``webapi.get_torrents``' ``{"torrents": [...]}`` into torrents keyed by hash."""
    return _parse_list(result, {}, {}, remember=False)[0]


class ParsedTorrents(dict[str, Torrent]):
    """A ``webapi.get_torrents`` result already parsed into torrents by hash (see TorrentListParser)."""

    __slots__ = ()


class TorrentListParser:
    """Parses the successive answers of one repeated ``webapi.get_torrents`` call (a poll's).

    A torrent that did not change since the previous answer keeps its Torrent object, so
    consumers can tell an unchanged torrent by identity (``is``), and it costs next to nothing:
    - ``decode_answer`` takes the answer's body: a torrent whose text is that of the previous
      body is not even decoded (answer_pieces.py), only the others are;
    - ``parse`` takes a decoded result: a torrent whose values equal the previous ones costs a
      tuple comparison instead of a parse. Values that compare equal count as unchanged
      (Deluge sends each key with one type).
    ``decode_answer`` falls back to decoding the whole body and ``parse`` for any body unlike
    Deluge's usual answer. Usable from a worker thread: each call replaces what the parser
    remembers in single assignments.
    """

    __slots__ = ("_pieces", "_previous")

    def __init__(self) -> None:
        self._previous: tuple[dict[str, Torrent], dict[str, _Values]] = ({}, {})
        self._pieces: dict[bytes, Torrent] = {}

    def parse(self, result: object) -> dict[str, Torrent]:
        """Parse like ``parse_torrents``, reusing the torrents that did not change."""
        self._previous = parsed = _parse_list(result, *self._previous)
        return parsed[0]

    def decode_answer(self, body: bytes) -> object:
        """Decode an answer body into its JSON-RPC document, with a successful result parsed.

        The result of a successful answer that lists torrents is ParsedTorrents; any other
        answer (an error object, a wrong shape) is decoded as it is, for the caller to judge.
        """
        pieces = split_torrent_answer(body)
        if pieces is not None and self._pieces:
            torrents = self._parse_pieces(pieces)
            if torrents is not None:
                return {"result": torrents, "error": None}
        document = decode_response(body)
        listed = _listed_torrents(document)
        if listed is None:
            self._pieces = {}
            return document
        torrents = ParsedTorrents(self.parse({"torrents": listed}))
        self._pieces = _pieces_of(pieces, listed, torrents)
        return {"result": torrents, "error": None}

    def _parse_pieces(self, pieces: list[bytes]) -> ParsedTorrents | None:
        """Return the torrents of an answer's pieces; None when a piece is no whole torrent.

        A piece seen in the previous answer gives the torrent parsed from it then; the others
        are decoded and parsed one by one.
        """
        known = self._pieces
        found = list(map(known.get, pieces))
        torrents = ParsedTorrents()
        trusted: dict[bytes, Torrent] = {}
        for piece, known_torrent in zip(pieces, found, strict=True):
            torrent = known_torrent
            if torrent is None:
                raw = decode_piece(piece)
                if raw is None:
                    return None
                if (torrent := parse_torrent(raw)) is None:
                    continue  # no valid hash: skipped, as every parse does
            trusted[piece] = torrent
            torrents[torrent.hash] = torrent
        self._pieces = trusted
        self._previous = ({}, {})  # parse() then starts afresh: no need to hold both memories
        return torrents


def _listed_torrents(document: object) -> list[object] | None:
    """Return the torrent list of a successful ``webapi.get_torrents`` answer; None for any other."""
    if type(document) is not dict or document.get("error") is not None:
        return None
    result = document.get("result")
    listed = result.get("torrents") if type(result) is dict else None
    return listed if type(listed) is list else None


def _pieces_of(
    pieces: list[bytes] | None, listed: list[object], torrents: Mapping[str, Torrent]
) -> dict[bytes, Torrent]:
    """Pair a fully decoded answer's pieces with its torrents, when that pairing is certain.

    Each ``}, {"`` that is not a cut between two torrents adds a piece: with as many pieces as
    listed torrents, every cut is one, and piece ``i`` is the text of torrent ``i``. An answer
    with an invalid or duplicate hash pairs nothing (its torrents are fewer than its entries).
    """
    if pieces is None or len(pieces) != len(listed) or len(torrents) != len(listed):
        return {}
    hashes = [raw.get("hash") if type(raw) is dict else None for raw in listed]
    paired = {
        piece: torrents.get(torrent_hash) if type(torrent_hash) is str else None
        for piece, torrent_hash in zip(pieces, hashes, strict=True)
    }
    return {piece: torrent for piece, torrent in paired.items() if torrent is not None}


def _parse_list(
    result: object,
    torrents_before: Mapping[str, Torrent],
    values_before: Mapping[str, _Values],
    *,
    remember: bool = True,
) -> tuple[dict[str, Torrent], dict[str, _Values]]:
    """Parse a torrent list, reusing each torrent of ``torrents_before`` whose values are unchanged.

    Returns the torrents by hash, and what the next call can reuse: their values, by hash.
    A usual list (dicts with the first one's keys, hash included) goes through whole-list C
    calls (map, zip, compress); Python code runs only for the torrents that changed.
    """
    listed = result.get("torrents") if isinstance(result, dict) else None
    if type(listed) is not list:
        raise DelugeResponseError("webapi.get_torrents did not answer with a list of torrents")
    if not listed:
        return {}, {}
    # Deluge sends every torrent with the same keys: the first one tells which. Reading them
    # with the first one's own key objects (the decoder shares them between dicts) finds each
    # by identity rather than by comparing strings.
    first = listed[0]
    keys = (
        tuple(sorted((key for key in first if key in _ORDER), key=_ORDER.__getitem__))
        if type(first) is dict
        else ()
    )
    if "hash" not in keys or len(keys) < 2:  # noqa: PLR2004  # itemgetter of one key returns no tuple
        return _parse_each(listed), {}
    try:
        if values_before:
            return _parse_changed(listed, keys, torrents_before, values_before)
        return _parse_all(listed, keys, remember=remember)
    except (KeyError, TypeError):  # an entry unlike the first, or a hash that is not even hashable
        return _parse_each(listed), {}


def _parse_all(
    listed: list[dict[str, object]], keys: tuple[str, ...], *, remember: bool
) -> tuple[dict[str, Torrent], dict[str, _Values]]:
    """Parse dicts that all have ``keys`` (else KeyError); return the torrents, and their values by hash."""
    read = itemgetter(*keys)
    expand = None if keys == TORRENT_FIELDS else _expander(keys)
    parsed: dict[str, Torrent] = {}
    values: dict[str, _Values] = {}
    valid = 0
    for raw in listed:
        row = read(raw)
        if (torrent := _parse_values(row if expand is None else expand(row))) is not None:
            valid += 1
            parsed[torrent.hash] = torrent
            if remember and row[0] == torrent.hash:  # hash first; an upper-case one is not reusable
                values[torrent.hash] = row
    if len(parsed) != valid:  # a hash listed twice: keep nothing to reuse, as _parse_changed does
        return parsed, {}
    return parsed, values


def _parse_changed(
    listed: list[dict[str, object]],
    keys: tuple[str, ...],
    torrents_before: Mapping[str, Torrent],
    values_before: Mapping[str, _Values],
) -> tuple[dict[str, Torrent], dict[str, _Values]]:
    """Parse like ``_parse_all``, reusing the torrents whose values are those of ``values_before``.

    Whole-list C calls find the torrents that changed; Python code runs only for those.
    """
    read = itemgetter(*keys)
    expand = _expander(keys)
    hashes: list[str] = list(map(itemgetter(keys[0]), listed))
    # Read and compared in one pass without keeping the values: an unchanged torrent keeps
    # the previous answer's tuple, so the garbage collector sees no new objects for it.
    unchanged = list(map(eq, map(read, listed), map(values_before.get, hashes)))
    found: list[Torrent | None] = list(map(torrents_before.get, hashes))
    values = dict(zip(hashes, map(values_before.get, hashes), strict=True))  # the changed: below
    for index in compress(range(len(listed)), map(not_, unchanged)):
        row = read(listed[index])
        torrent = found[index] = _parse_values(expand(row))
        if torrent is None or torrent.hash != hashes[index]:  # invalid, or an upper-case hash
            values.pop(hashes[index], None)
        else:
            values[hashes[index]] = row
    kept = list(filter(None, found))
    parsed = dict(zip(map(_hash_of, kept), kept, strict=True))
    if len(parsed) != len(kept):
        # A hash listed twice: ``values`` may not hold the values of the torrent kept for it.
        return parsed, {}
    return parsed, cast("dict[str, _Values]", values)


def _parse_each(listed: list[object]) -> dict[str, Torrent]:
    """Parse an unusual list one entry at a time (entries that are not dicts, or differ)."""
    parsed: dict[str, Torrent] = {}
    for raw in listed:
        if (torrent := parse_torrent(raw)) is not None:
            parsed[torrent.hash] = torrent
    return parsed


def parse_torrent(raw: object) -> Torrent | None:
    """Parse one status dict; None when it is not a dict or has no valid 40-hex hash."""
    if type(raw) is not dict:
        return None
    try:
        values = _read_all(raw)
    except KeyError:  # fields the caller did not ask for, or no Label plugin
        values = _read_any(raw)
    return _parse_values(values)


def _parse_values(values: tuple[object, ...]) -> Torrent | None:  # noqa: C901, PLR0912, PLR0915  # flat on purpose: hot path
    """Parse a status dict's values in TORRENT_FIELDS' order (None: the key is absent).

    Each check tests the common case first; an absent value (None) skips the slow path.
    """
    (
        torrent_hash,
        name,
        state,
        progress,
        download_rate,
        upload_rate,
        eta,
        ratio,
        total_size,
        total_done,
        total_uploaded,
        num_seeds,
        num_peers,
        total_seeds,
        total_peers,
        save_path,
        label,
        time_added,
        completed_time,
        is_finished,
        paused,
        message,
        tracker_host,
    ) = values
    # 40 characters that make 20 bytes are 40 hex digits (fromhex only skips whitespace).
    if type(torrent_hash) is not str or len(torrent_hash) != _HASH_LENGTH:
        return None
    try:
        if len(_from_hex(torrent_hash)) != _HASH_BYTES:
            return None
    except ValueError:
        return None
    if not torrent_hash.islower():  # lower() would copy even a lower-case hash
        torrent_hash = torrent_hash.lower()
    # Texts: the common case is a short printable str.
    if type(name) is not str or len(name) > MAX_TEXT_LENGTH or not name.isprintable():
        name = None if name is None else _text_slow(name, MAX_TEXT_LENGTH)
    if type(state) is not str or len(state) > MAX_TEXT_LENGTH or not state.isprintable():
        state = None if state is None else _text_slow(state, MAX_TEXT_LENGTH)
    if type(save_path) is not str or len(save_path) > MAX_PATH_LENGTH or not save_path.isprintable():
        save_path = None if save_path is None else _text_slow(save_path, MAX_PATH_LENGTH)
    if type(label) is not str or len(label) > MAX_TEXT_LENGTH or not label.isprintable():
        label = None if label is None else _text_slow(label, MAX_TEXT_LENGTH)
    if type(message) is not str or len(message) > MAX_TEXT_LENGTH or not message.isprintable():
        message = None if message is None else _text_slow(message, MAX_TEXT_LENGTH)
    if type(tracker_host) is not str or len(tracker_host) > MAX_TEXT_LENGTH or not tracker_host.isprintable():
        tracker_host = None if tracker_host is None else _text_slow(tracker_host, MAX_TEXT_LENGTH)
    # Numbers: exact types and ranges first; the rest, and Deluge's sentinels, through the slow path.
    if type(progress) is not float or not 0.0 <= progress <= 100.0:  # noqa: PLR2004
        progress = None if progress is None else _float_slow(progress, 0.0, 100.0)
    if type(ratio) is not float or not 0.0 <= ratio < _INF:  # -1.0 before any download
        ratio = None if ratio is None else _float_slow(ratio, 0.0, _INF)
    if type(eta) is not int or eta <= 0:  # 0: unknown (every seeding torrent), -1: over a year
        eta = None if eta is None or eta == 0 else _int_slow(eta, 1)
    if type(download_rate) is not int or download_rate < 0:
        download_rate = None if download_rate is None else _int_slow(download_rate, 0)
    if type(upload_rate) is not int or upload_rate < 0:
        upload_rate = None if upload_rate is None else _int_slow(upload_rate, 0)
    if type(total_size) is not int or total_size < 0:
        total_size = None if total_size is None else _int_slow(total_size, 0)
    if type(total_done) is not int or total_done < 0:
        total_done = None if total_done is None else _int_slow(total_done, 0)
    if type(total_uploaded) is not int or total_uploaded < 0:
        total_uploaded = None if total_uploaded is None else _int_slow(total_uploaded, 0)
    if type(num_seeds) is not int or num_seeds < 0:
        num_seeds = None if num_seeds is None else _int_slow(num_seeds, 0)
    if type(num_peers) is not int or num_peers < 0:
        num_peers = None if num_peers is None else _int_slow(num_peers, 0)
    if type(total_seeds) is not int or total_seeds < 0:  # -1: the tracker did not say
        total_seeds = None if total_seeds is None else _int_slow(total_seeds, 0)
    if type(total_peers) is not int or total_peers < 0:
        total_peers = None if total_peers is None else _int_slow(total_peers, 0)
    # Unix times; 0 means "not yet" (completed_time of an unfinished torrent).
    if type(time_added) is int and time_added > 0:
        time_added = float(time_added)
    else:
        time_added = None if time_added is None else _float_slow(time_added)
    if type(completed_time) is int and completed_time > 0:
        completed_time = float(completed_time)
    elif completed_time is None or completed_time == 0:
        completed_time = None
    else:
        completed_time = _float_slow(completed_time)
    if type(is_finished) is not bool:
        is_finished = None
    if type(paused) is not bool:
        paused = None
    builder = _TorrentBuilder(
        torrent_hash,
        name,
        state,
        progress,
        download_rate,
        upload_rate,
        eta,
        ratio,
        total_size,
        total_done,
        total_uploaded,
        num_seeds,
        num_peers,
        total_seeds,
        total_peers,
        save_path,
        label,
        time_added,
        completed_time,
        is_finished,
        paused,
        message,
        tracker_host,
    )
    builder.__class__ = Torrent  # type: ignore[assignment]  # same slots, see _TorrentBuilder
    return builder  # type: ignore[return-value]  # it is a Torrent now


def _text_slow(value: object, limit: int) -> str | None:
    if type(value) is not str:
        return None
    if not value.isprintable():
        value = value.translate(_CONTROL_CHARACTERS)
    return value[:limit]


def _int_slow(value: object, minimum: int) -> int | None:
    """Return an int >= minimum from an int or an integral float; None for anything else."""
    if type(value) is float and value.is_integer():
        value = int(value)
    if type(value) is int and value >= minimum:
        return value
    return None


def _float_slow(value: object, minimum: float = 1.0, maximum: float = _INF) -> float | None:
    """Return a finite float in [minimum, maximum] from an int or a float; None otherwise."""
    if type(value) is int:
        value = float(value)
    if type(value) is float and minimum <= value <= maximum and value != _INF:
        return value
    return None


def parse_session_status(result: object) -> SessionStatus:
    """Parse ``core.get_session_status`` called with ``SESSION_STATUS_KEYS``."""
    if not isinstance(result, dict):
        raise DelugeResponseError("core.get_session_status did not answer with a dict")
    download_rate, upload_rate, num_connections, dht_nodes = (
        _int_slow(result.get(key), 0) for key in SESSION_STATUS_KEYS[:4]
    )
    incoming = result.get(SESSION_STATUS_KEYS[4])
    if (
        download_rate is None
        or upload_rate is None
        or num_connections is None
        or dht_nodes is None
        or type(incoming) not in {bool, int}
        or incoming not in {0, 1}
    ):
        raise DelugeResponseError("core.get_session_status answered with missing or invalid values")
    return SessionStatus(
        download_rate=download_rate,
        upload_rate=upload_rate,
        num_connections=num_connections,
        dht_nodes=dht_nodes,
        has_incoming_connections=bool(incoming),
    )
