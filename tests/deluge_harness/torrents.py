"""Real BitTorrent v1 metainfo files made from local data, without libtorrent."""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import os
from pathlib import Path
import random

PIECE_LENGTH = 16 * 1024


def bencode(value: object) -> bytes:
    if isinstance(value, bool):
        raise TypeError("bencode has no booleans")
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(item) for item in value) + b"e"
    if isinstance(value, dict):
        items = sorted((key.encode() if isinstance(key, str) else key, item) for key, item in value.items())
        return b"d" + b"".join(bencode(key) + bencode(item) for key, item in items) + b"e"
    raise TypeError(f"cannot bencode {type(value).__name__}")


@dataclass(frozen=True)
class TorrentFile:
    """A .torrent made from one local file: its bytes, its v1 info-hash, the data's path."""

    metainfo: bytes
    info_hash: str
    data_path: Path
    name: str

    @property
    def magnet(self) -> str:
        return f"magnet:?xt=urn:btih:{self.info_hash}&dn={self.name}"


def make_torrent(
    directory: Path, name: str, size: int = 64 * 1024, *, private: bool = True, seed: int | None = None
) -> TorrentFile:
    """Write ``size`` random bytes to ``directory/name`` and describe them in a v1 torrent.

    With ``seed`` the bytes (and so the info-hash) are the same on every run.

    Add the torrent with ``directory`` as its download location and Deluge finds the data
    already there: the torrent checks, then seeds at 100 %.
    """
    directory.mkdir(parents=True, exist_ok=True)
    data_path = directory / name
    data = os.urandom(size) if seed is None else random.Random(seed).randbytes(size)  # noqa: S311
    data_path.write_bytes(data)
    pieces = b"".join(
        hashlib.sha1(data[offset : offset + PIECE_LENGTH]).digest()  # noqa: S324
        for offset in range(0, len(data), PIECE_LENGTH)
    )
    info: dict[str, object] = {"name": name, "length": size, "piece length": PIECE_LENGTH, "pieces": pieces}
    if private:
        info["private"] = 1
    info_hash = hashlib.sha1(bencode(info)).hexdigest()  # noqa: S324
    metainfo = bencode({"announce": "http://127.0.0.1:9/announce", "info": info})
    return TorrentFile(metainfo=metainfo, info_hash=info_hash, data_path=data_path, name=name)
