"""How long the client takes to turn a 10,000-torrent ``webapi.get_torrents`` answer into models.

Generates a realistic body (the fields the client asks for, values shaped like a real Deluge
2.2's, serialised the way Deluge does with ``json.dumps``), then times in the same run, in
alternating rounds:

- ``json.loads(body)``: the bare decode, the floor any client pays;
- the client's parse: its decoding point, the JSON-RPC envelope check and the Torrent models.

Prints the medians and their ratio; the target is parse <= 2 x bare decode (exit status 1
when missed). ``DELUGE_WEBAPI_BENCH_ROUNDS`` sets the number of rounds (default 15).
"""

from __future__ import annotations

from collections.abc import Callable
import gc
import json
import os
from pathlib import Path
import random
import statistics
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.deluge_webapi.client.models import (
    TORRENT_FIELDS,
    Torrent,
    parse_torrents,
)
from custom_components.deluge_webapi.client.rpc import decode_response, result_or_raise

TORRENTS = 10_000
TARGET_RATIO = 2.0
HALF_FINISHED_PAUSED = 0.5
UPLOADING_SHARE = 0.2
WORDS = [
    *("ubuntu", "debian", "fedora", "arch", "linux", "desktop", "server", "live", "amd64", "arm64"),
    *("iso", "netinst", "dvd", "open", "movie", "project", "big", "buck", "bunny", "sintel"),
    *("tears", "steel", "cosmos", "laundromat", "spring", "agent", "creative", "commons", "album"),
    *("flac", "mp3", "320", "lossless", "remaster", "collection", "complete", "season", "episode"),
    *("1080p", "2160p", "x265", "hevc", "webrip", "documentary", "nature", "archive", "dataset"),
    *("backup", "Café"),
]
STATES = (
    ["Seeding"] * 70 + ["Downloading"] * 10 + ["Paused"] * 10 + ["Queued"] * 6 + ["Checking", "Error"] * 2
)
TRACKERS = ("tracker.opentrackr.org", "open.stealth.si", "tracker.example.org", "academictorrents.com", "")
LABELS = ("", "", "movies", "tv", "linux", "music")
PATHS = ("/srv/downloads", "/srv/downloads/complete", "/mnt/nas/torrents", "/home/deluge/Downloads")


def realistic_torrent(rng: random.Random, index: int) -> dict[str, object]:
    """Return one status dict with the fields the client asks for, in Deluge's value types."""
    state = rng.choice(STATES)
    size = rng.randrange(1 << 20, 80 << 30)
    finished = state in {"Seeding", "Queued"} or (state == "Paused" and rng.random() < HALF_FINISHED_PAUSED)
    progress = 100.0 if finished else round(rng.uniform(0, 99.9), 6)
    done = size if finished else int(size * progress / 100)
    downloading = state == "Downloading"
    added = 1_700_000_000 + rng.randrange(50_000_000)
    values: dict[str, object] = {
        "hash": f"{rng.getrandbits(160):040x}",
        "name": f"{' '.join(rng.choices(WORDS, k=rng.randrange(2, 9)))} [{index}]",
        "state": state,
        "progress": progress,
        "download_payload_rate": rng.randrange(5_000_000) if downloading else 0,
        "upload_payload_rate": rng.randrange(2_000_000) if rng.random() < UPLOADING_SHARE else 0,
        "eta": rng.randrange(1, 500_000) if downloading else 0,
        "ratio": round(rng.uniform(0, 12), 6) if done else -1.0,
        "total_size": size,
        "total_done": done,
        "total_uploaded": int(done * rng.uniform(0, 3)),
        "num_seeds": rng.randrange(50) if downloading else 0,
        "num_peers": rng.randrange(30),
        "total_seeds": rng.randrange(-1, 5000),
        "total_peers": rng.randrange(-1, 5000),
        "save_path": rng.choice(PATHS),
        "label": rng.choice(LABELS),
        "time_added": added,
        "completed_time": added + rng.randrange(100_000) if finished else 0,
        "is_finished": finished,
        "paused": state in {"Paused", "Queued"},
        "message": "OK" if state != "Error" else "Error: No such file or directory",
        "tracker_host": rng.choice(TRACKERS),
    }
    assert tuple(values) == TORRENT_FIELDS
    return values


def realistic_body(count: int) -> bytes:
    """Return what Deluge sends: its JSON-RPC envelope, serialised with json.dumps' defaults."""
    rng = random.Random(8112)  # noqa: S311  # reproducible test data, not cryptography
    torrents = [realistic_torrent(rng, index) for index in range(count)]
    return json.dumps({"result": {"torrents": torrents}, "error": None, "id": 1}).encode()


def client_parse(body: bytes) -> dict[str, Torrent]:
    """Do exactly what the client does with a get_torrents answer."""
    return parse_torrents(result_or_raise("webapi.get_torrents", decode_response(body)))


def timed_ms(function: Callable[[bytes], object], body: bytes) -> float:
    """Return how long one call took, in milliseconds, starting from a collected heap."""
    gc.collect()
    start = time.perf_counter()
    function(body)
    return (time.perf_counter() - start) * 1000


def main() -> int:
    """Run the benchmark; exit status 1 when the target is missed."""
    rounds = int(os.environ.get("DELUGE_WEBAPI_BENCH_ROUNDS", "15"))
    body = realistic_body(TORRENTS)
    parsed = client_parse(body)
    assert len(parsed) == TORRENTS
    assert all(type(torrent) is Torrent for torrent in parsed.values())
    decoded = result_or_raise("webapi.get_torrents", decode_response(body))

    bare: list[float] = []
    parse: list[float] = []
    models: list[float] = []
    for _ in range(rounds):
        bare.append(timed_ms(json.loads, body))
        parse.append(timed_ms(client_parse, body))
        models.append(timed_ms(lambda _body: parse_torrents(decoded), body))
    bare_ms, parse_ms, models_ms = (statistics.median(times) for times in (bare, parse, models))
    ratio = parse_ms / bare_ms
    print(f"body: {TORRENTS:,} torrents, {len(body) / 1e6:.2f} MB, {rounds} rounds, medians")
    print(f"json.loads (bare decode):     {bare_ms:7.1f} ms")
    print(f"client parse (decode+models): {parse_ms:7.1f} ms   ", end="")
    print(f"({ratio:.2f}x bare decode, target <= {TARGET_RATIO:g}x)")
    print(f"  of which models alone:      {models_ms:7.1f} ms   ", end="")
    print(f"({models_ms / TORRENTS * 1e3:.2f} us per torrent)")
    print("OK" if ratio <= TARGET_RATIO else "OVER TARGET")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
