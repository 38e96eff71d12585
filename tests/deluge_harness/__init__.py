"""A real Deluge for tests and the local demo, plus helpers that make real .torrent files."""

from .server import DelugeRpcError, DelugeServer, free_port
from .torrents import TorrentFile, make_torrent

__all__ = ["DelugeRpcError", "DelugeServer", "TorrentFile", "free_port", "make_torrent"]
