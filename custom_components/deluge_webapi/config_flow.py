"""Config flow for Deluge WebAPI."""

from __future__ import annotations

from homeassistant.config_entries import ConfigFlow

from .const import DOMAIN


class DelugeWebApiConfigFlow(ConfigFlow, domain=DOMAIN):
    """Handle a config flow for Deluge WebAPI."""

    VERSION = 1
