"""Constants for the Deluge WebAPI integration."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
import logging
from typing import Final

DOMAIN: Final = "deluge_webapi"
LOGGER = logging.getLogger(__package__)

DEFAULT_PORT: Final = 8112

# Options
CONF_TORRENT_ENTITIES: Final = "torrent_entities"
CONF_MAX_TORRENT_ENTITIES: Final = "max_torrent_entities"
DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=30)
MIN_SCAN_INTERVAL_SECONDS: Final = 10
MAX_SCAN_INTERVAL_SECONDS: Final = 300
DEFAULT_MAX_TORRENT_ENTITIES: Final = 100
# Turtle mode's limits in KiB/s (0: unlimited), as Deluge's own limits (speed_limits.py).
CONF_TURTLE_DOWNLOAD_KIB: Final = "turtle_download_kib"
CONF_TURTLE_UPLOAD_KIB: Final = "turtle_upload_kib"
DEFAULT_TURTLE_DOWNLOAD_KIB: Final = 100
DEFAULT_TURTLE_UPLOAD_KIB: Final = 50


class TorrentEntities(StrEnum):
    """Which torrents get a device and entities of their own."""

    ALL = "all"
    ACTIVE = "active"
    NONE = "none"


DEFAULT_TORRENT_ENTITIES: Final = TorrentEntities.ALL
