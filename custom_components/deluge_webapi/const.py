"""Constants for the Deluge WebAPI integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "deluge_webapi"
LOGGER = logging.getLogger(__package__)
