"""What Deluge reports, as frozen slotted dataclasses parsed at the edge.

Parsing never trusts Deluge: a value of the wrong type, out of range, or one of Deluge's
sentinels (-1, and 0 for eta and completed_time) becomes None; texts lose control characters
and are cut to a sane length; a torrent entry without a valid 40-hex hash is skipped. Nothing
here raises on hostile values except for a response whose overall shape is wrong.

The torrent parser is the hot path (a 10,000-torrent Deluge answers with ~5 MB every poll), so
it reads all keys with one ``itemgetter`` call and checks each value inline with exact
``type(...) is`` tests; the helpers named ``_..._slow`` only run for unusual values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

from .exceptions import DelugeResponseError

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


_get_all: Callable[[dict[str, object]], tuple[object, ...]] = itemgetter(*TORRENT_FIELDS)


def parse_torrents(result: object) -> dict[str, Torrent]:
    """Parse ``webapi.get_torrents``' ``{"torrents": [...]}`` into torrents keyed by hash."""
    torrents = result.get("torrents") if isinstance(result, dict) else None
    if type(torrents) is not list:
        raise DelugeResponseError("webapi.get_torrents did not answer with a list of torrents")
    parsed: dict[str, Torrent] = {}
    for raw in torrents:
        if (torrent := parse_torrent(raw)) is not None:
            parsed[torrent.hash] = torrent
    return parsed


def parse_torrent(raw: object) -> Torrent | None:  # noqa: C901, PLR0912, PLR0915  # flat on purpose: hot path
    """Parse one status dict; None when it is not a dict or has no valid 40-hex hash."""
    if type(raw) is not dict:
        return None
    try:
        values = _get_all(raw)
    except KeyError:  # fields the caller did not ask for, or no Label plugin
        values = tuple(map(raw.get, TORRENT_FIELDS))
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
    torrent_hash = torrent_hash.lower()
    # Texts: the common case is a short printable str.
    if type(name) is not str or len(name) > MAX_TEXT_LENGTH or not name.isprintable():
        name = _text_slow(name, MAX_TEXT_LENGTH)
    if type(state) is not str or len(state) > MAX_TEXT_LENGTH or not state.isprintable():
        state = _text_slow(state, MAX_TEXT_LENGTH)
    if type(save_path) is not str or len(save_path) > MAX_PATH_LENGTH or not save_path.isprintable():
        save_path = _text_slow(save_path, MAX_PATH_LENGTH)
    if type(label) is not str or len(label) > MAX_TEXT_LENGTH or not label.isprintable():
        label = _text_slow(label, MAX_TEXT_LENGTH)
    if type(message) is not str or len(message) > MAX_TEXT_LENGTH or not message.isprintable():
        message = _text_slow(message, MAX_TEXT_LENGTH)
    if type(tracker_host) is not str or len(tracker_host) > MAX_TEXT_LENGTH or not tracker_host.isprintable():
        tracker_host = _text_slow(tracker_host, MAX_TEXT_LENGTH)
    # Numbers: exact types and ranges first; the rest, and Deluge's sentinels, through the slow path.
    if type(progress) is not float or not 0.0 <= progress <= 100.0:  # noqa: PLR2004
        progress = _float_slow(progress, 0.0, 100.0)
    if type(ratio) is not float or not 0.0 <= ratio < _INF:  # -1.0 before any download
        ratio = _float_slow(ratio, 0.0, _INF)
    if type(eta) is not int or eta <= 0:  # 0: unknown (every seeding torrent), -1: over a year
        eta = None if eta == 0 else _int_slow(eta, 1)
    if type(download_rate) is not int or download_rate < 0:
        download_rate = _int_slow(download_rate, 0)
    if type(upload_rate) is not int or upload_rate < 0:
        upload_rate = _int_slow(upload_rate, 0)
    if type(total_size) is not int or total_size < 0:
        total_size = _int_slow(total_size, 0)
    if type(total_done) is not int or total_done < 0:
        total_done = _int_slow(total_done, 0)
    if type(total_uploaded) is not int or total_uploaded < 0:
        total_uploaded = _int_slow(total_uploaded, 0)
    if type(num_seeds) is not int or num_seeds < 0:
        num_seeds = _int_slow(num_seeds, 0)
    if type(num_peers) is not int or num_peers < 0:
        num_peers = _int_slow(num_peers, 0)
    if type(total_seeds) is not int or total_seeds < 0:  # -1: the tracker did not say
        total_seeds = _int_slow(total_seeds, 0)
    if type(total_peers) is not int or total_peers < 0:
        total_peers = _int_slow(total_peers, 0)
    # Unix times; 0 means "not yet" (completed_time of an unfinished torrent).
    time_added = float(time_added) if type(time_added) is int and time_added > 0 else _float_slow(time_added)
    if type(completed_time) is int and completed_time > 0:
        completed_time = float(completed_time)
    else:
        completed_time = None if completed_time == 0 else _float_slow(completed_time)
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
